#!/usr/bin/env python3
"""Independent cross-language check of alertsim's alerts.

Decodes every alert file given (Confluent wire-format `{diaSourceId}.avro`
files, and Avro container `{visit}_{detector}.avro` files) with fastavro and
the OFFICIAL Rubin alert schema files (not alertsim's own schema), checks
the invariants of every field of every record, and opens every cutout with
astropy with warnings turned into errors. Prints 'N passed, M failed' and
exits non-zero on any failure.

Usage: check_alerts.py [--schema-dir DIR] PATH...   (files or directories)
"""

import argparse
import io
import math
import os
import shutil
import subprocess
import sys
import tempfile
import warnings

import fastavro
import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

SCHEMA_ID = 1100
MJD_RANGE = (60000.0, 70000.0)
BANDS = ("u", "g", "r", "i", "z", "y")


class Failure(Exception):
    pass


def need(condition, message):
    if not condition:
        raise Failure(message)


def default_schema_dir():
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return os.path.join(repo, "..", "shared", "reference", "alert-schemas", "11_0")


def load_official_schema(schema_dir):
    path = os.path.join(schema_dir, "lsst.v11_0.alert.avsc")
    need(os.path.exists(path), f"official schema not found: {path}")
    # load_schema resolves lsst.v11_0.diaSource etc. from files beside it.
    return fastavro.schema.load_schema(path)


def record_fields(schema):
    """Field names of every named record in the parsed official schema."""
    fields = {}

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "record":
                name = node["name"].split(".")[-1]
                fields[name] = [f["name"] for f in node["fields"]]
                for f in node["fields"]:
                    walk(f["type"])
            elif node.get("type") == "array":
                walk(node["items"])
        elif isinstance(node, list):
            for branch in node:
                walk(branch)

    walk(schema)
    return fields


# ---------------------------------------------------------------- fields --

def check_field(record, name, value):
    """Rules for one field, chosen by its name; returns nothing or raises."""
    where = f"{record}.{name}"
    if isinstance(value, float):
        need(math.isfinite(value), f"{where} is not finite: {value}")
    if value is None:
        return
    if name.endswith("Err") or name.endswith("_unc") or name.endswith("ErrMean"):
        need(value > 0, f"{where} must be positive, is {value}")
    if name in ("ra", "trailRa", "ephRa", "eclLambda", "galLon"):
        need(0.0 <= value < 360.0, f"{where} {value} outside [0, 360)")
    if name in ("dec", "trailDec", "ephDec", "eclBeta", "galLat"):
        need(-90.0 <= value <= 90.0, f"{where} {value} outside [-90, 90]")
    if name.endswith("MjdTai") or name == "epoch_mjd":
        need(MJD_RANGE[0] < value < MJD_RANGE[1], f"{where} {value} is not a plausible MJD")
    if name in ("reliability", "extendedness"):
        need(0.0 <= value <= 1.0, f"{where} {value} outside [0, 1]")
    if name.endswith("Ndata") or name in ("bboxSize", "nDiaSources"):
        need(value >= 0, f"{where} negative")
    if name == "band":
        need(value in BANDS, f"{where} {value!r} is not an LSST band")
    if name in ("e",):
        need(0.0 <= value < 1.0, f"{where} {value} is not an elliptic eccentricity")
    if name in ("i", "elongation", "phaseAngle"):
        need(0.0 <= value <= 180.0, f"{where} {value} outside [0, 180]")
    if name in ("a", "q", "period", "mean_motion", "helioRange", "topoRange", "helio_vtot", "topo_vtot"):
        need(value > 0, f"{where} must be positive")


def check_record(record, values, fields, counts):
    need(isinstance(values, dict), f"{record} is not a record")
    need(list(values) == fields[record], f"{record} fields differ from the official schema")
    for name in fields[record]:
        check_field(record, name, values[name])
        counts[record] = counts.get(record, 0) + 1
    if "ra_dec_Cov" in values and values.get("ra_dec_Cov") is not None and values.get("raErr"):
        need(abs(values["ra_dec_Cov"]) <= values["raErr"] * values["decErr"] * 1.0001,
             f"{record}.ra_dec_Cov exceeds raErr*decErr")


# ---------------------------------------------------------------- alerts --

def weighted_mean(points):
    pts = [(f, e) for f, e in points if f is not None and e]
    if not pts:
        return None
    w = [1.0 / (e * e) for _, e in pts]
    return sum(wi * f for wi, (f, _) in zip(w, pts)) / sum(w)


def close(a, b, rel=2e-3, abs_=1e-3):
    if a is None or b is None:
        return a is None and b is None
    return abs(a - b) <= max(abs_, rel * max(abs(a), abs(b)))


def check_source(source, fields, counts, what="diaSource"):
    check_record("diaSource", source, fields, counts)
    need(source["timeProcessedMjdTai"] >= source["midpointMjdTai"],
         f"{what} processed before it was observed")
    need(source["bboxSize"] > 0, f"{what}.bboxSize must be positive")
    if source["psfFlux"] is not None and source["isNegative"] is not None:
        need(source["isNegative"] == (source["psfFlux"] < 0), f"{what}.isNegative disagrees with psfFlux")


def check_alert(alert, fields, counts):
    check_record("alert", alert, fields, counts)
    src = alert["diaSource"]
    check_source(src, fields, counts)
    need(alert["diaSourceId"] == src["diaSourceId"], "alert.diaSourceId != diaSource.diaSourceId")
    object_id = src["diaObjectId"]
    need(object_id is not None, "diaSource.diaObjectId is null")
    if object_id == 0:
        check_solar_system(alert, fields, counts)
    else:
        check_object(alert, object_id, fields, counts)
    for name in ("cutoutDifference", "cutoutScience", "cutoutTemplate"):
        need(alert[name] is not None, f"{name} missing")
    check_cutouts(alert)


def check_solar_system(alert, fields, counts):
    src, ss, orbit = alert["diaSource"], alert["ssSource"], alert["mpc_orbits"]
    need(ss is not None and orbit is not None, "solar-system alert without ssSource and mpc_orbits")
    for name in ("diaObject", "prvDiaSources", "prvDiaForcedSources"):
        need(alert[name] is None, f"solar-system alert has {name}")
    check_record("ssSource", ss, fields, counts)
    check_record("mpc_orbits", orbit, fields, counts)
    need(ss["diaSourceId"] == src["diaSourceId"], "ssSource.diaSourceId differs")
    need(ss["ssObjectId"] == src["ssObjectId"], "ssSource.ssObjectId differs from diaSource")
    need(ss["designation"] == orbit["designation"] == orbit["unpacked_primary_provisional_designation"],
         "designations differ")
    year, code = orbit["designation"].split(" ")
    packed = orbit["packed_primary_provisional_designation"]
    cycle = int(code[2:] or 0)
    expected = {"19": "J", "20": "K"}[year[:2]] + year[2:] + code[0] + f"{cycle:02d}" + code[1]
    need(packed == expected, f"packed designation {packed} should be {expected}")
    a, e = orbit["a"], orbit["e"]
    need(close(orbit["q"], a * (1 - e), rel=1e-9), "q != a (1 - e)")
    need(close(orbit["period"] * orbit["mean_motion"], 360.0, rel=1e-9), "period * mean_motion != 360")
    for prefix in ("helio", "topo"):
        v = [ss[f"{prefix}_v{c}"] for c in "xyz"]
        need(close(math.sqrt(sum(c * c for c in v)), ss[f"{prefix}_vtot"], rel=1e-5), f"{prefix}_vtot")
    r = [ss[f"helio_{c}"] for c in "xyz"]
    need(close(math.sqrt(sum(c * c for c in r)), ss["helioRange"], rel=1e-5), "|helio| != helioRange")
    for t in ("created_at", "updated_at", "fitting_datetime"):
        need(orbit[t] is not None and orbit[t].year >= 2000, f"mpc_orbits.{t} implausible")


def check_object(alert, object_id, fields, counts):
    src, obj = alert["diaSource"], alert["diaObject"]
    need(alert["ssSource"] is None and alert["mpc_orbits"] is None, "object alert with solar-system records")
    need(src["ssObjectId"] is None, "object alert with ssObjectId")
    need(obj is not None, "diaObject missing")
    check_record("diaObject", obj, fields, counts)
    need(obj["diaObjectId"] == object_id, "diaObject.diaObjectId differs from diaSource.diaObjectId")
    prv = alert["prvDiaSources"]
    need(prv is None or len(prv) > 0, "prvDiaSources is an empty array instead of null")
    prv = prv or []
    need(obj["nDiaSources"] == len(prv) + 1, f"nDiaSources {obj['nDiaSources']} with {len(prv)} prvDiaSources")
    need((obj["nDiaSources"] > 1) == (alert["prvDiaSources"] is not None),
         "prvDiaSources must be filled exactly when nDiaSources > 1")
    ids = {src["diaSourceId"]}
    for p in prv:
        check_source(p, fields, counts, "prvDiaSource")
        need(p["diaObjectId"] == object_id, "prvDiaSource of another object")
        need(p["midpointMjdTai"] < src["midpointMjdTai"], "prvDiaSource not earlier than the alert")
        need(p["diaSourceId"] not in ids, "duplicate diaSourceId in history")
        ids.add(p["diaSourceId"])
    forced = alert["prvDiaForcedSources"] or []
    for f in forced:
        check_record("diaForcedSource", f, fields, counts)
        need(f["diaObjectId"] == object_id, "prvDiaForcedSource of another object")
        need(f["midpointMjdTai"] < src["midpointMjdTai"], "forced source not earlier than the alert")
    sources = prv + [src]
    need(sum(obj[f"{b}_psfFluxNdata"] for b in BANDS) == obj["nDiaSources"], "per-band Ndata do not add up")
    times = [s["midpointMjdTai"] for s in sources]
    need(close(obj["firstDiaSourceMjdTai"], min(times), rel=1e-12), "firstDiaSourceMjdTai")
    need(close(obj["lastDiaSourceMjdTai"], max(times), rel=1e-12), "lastDiaSourceMjdTai")
    for b in BANDS:
        in_band = [s for s in sources if s["band"] == b]
        need(obj[f"{b}_psfFluxNdata"] == len(in_band), f"{b}_psfFluxNdata")
        mean = weighted_mean((s["psfFlux"], s["psfFluxErr"]) for s in in_band)
        need(close(obj[f"{b}_psfFluxMean"], mean), f"{b}_psfFluxMean {obj[f'{b}_psfFluxMean']} != {mean}")
        fp = weighted_mean((f["psfFlux"], f["psfFluxErr"]) for f in forced if f["band"] == b)
        need(close(obj[f"{b}_fpFluxMean"], fp), f"{b}_fpFluxMean")
        if in_band:
            need(obj[f"{b}_psfFluxMin"] <= obj[f"{b}_psfFluxMean"] + 1e-3 * abs(obj[f"{b}_psfFluxMean"])
                 and obj[f"{b}_psfFluxMean"] <= obj[f"{b}_psfFluxMax"] + 1e-3 * abs(obj[f"{b}_psfFluxMean"]),
                 f"{b} mean outside [min, max]")


# --------------------------------------------------------------- cutouts --

def check_cutouts(alert):
    src = alert["diaSource"]
    side = min(max(src["bboxSize"], 30), 102)
    images = {}
    for name in ("cutoutScience", "cutoutDifference", "cutoutTemplate"):
        data = alert[name]
        need(len(data) % 2880 == 0, f"{name}: {len(data)} bytes is not a multiple of 2880")
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            try:
                with fits.open(io.BytesIO(data)) as hdul:
                    hdul.verify("exception")
                    need([h.name for h in hdul] == ["IMAGE", "VARIANCE", "PSF"], f"{name}: HDUs {[h.name for h in hdul]}")
                    image, variance, psf = (h.data for h in hdul)
                    header = hdul[0].header
                    need(image.shape == (side, side), f"{name}: shape {image.shape}, expected {(side, side)}")
                    need(image.dtype == np.dtype(">f4"), f"{name}: dtype {image.dtype}")
                    need(header["BUNIT"] == "nJy", f"{name}: BUNIT {header.get('BUNIT')}")
                    need(variance.shape == (side, side) and bool(np.all(variance > 0)), f"{name}: variance")
                    need(abs(float(psf.sum()) - 1.0) < 1e-3, f"{name}: PSF sums to {psf.sum()}")
                    need(bool(np.all(np.isfinite(image))), f"{name}: non-finite pixels")
                    wcs = WCS(header)
                    ra, dec = wcs.wcs_pix2world([[header["CRPIX1"], header["CRPIX2"]]], 1)[0]
                    need(abs(ra - src["ra"]) < 1e-9 and abs(dec - src["dec"]) < 1e-9, f"{name}: WCS centre")
                    WCS(hdul[1].header)
                    images[name] = image.astype(np.float64)
            except Failure:
                raise
            except Exception as err:  # astropy warnings or errors
                raise Failure(f"{name}: astropy: {type(err).__name__}: {err}")
    diff = images["cutoutScience"] - images["cutoutTemplate"] - images["cutoutDifference"]
    scale = np.maximum(np.abs(images["cutoutScience"]), 1.0)
    need(bool(np.all(np.abs(diff) <= 1e-3 * scale)), "difference != science - template")


def fitsverify_sample(alerts, limit=12):
    """Runs Debian's fitsverify on a few cutouts, if it is installed."""
    tool = shutil.which("fitsverify")
    if tool is None:
        if os.environ.get("CI") == "true":
            raise Failure("fitsverify is not installed, and CI=true does not allow skipping it")
        return None
    checked = 0
    with tempfile.TemporaryDirectory() as tmp:
        for alert in alerts[:limit]:
            for name in ("cutoutScience", "cutoutDifference", "cutoutTemplate"):
                path = os.path.join(tmp, f"{alert['diaSourceId']}_{name}.fits")
                with open(path, "wb") as fh:
                    fh.write(alert[name])
                result = subprocess.run([tool, "-q", "-e", path], capture_output=True, text=True)
                need(result.returncode == 0 and "verification OK" in result.stdout,
                     f"fitsverify {name} of {alert['diaSourceId']}: {result.stdout.strip()} {result.stderr.strip()}")
                checked += 1
    return checked


# ----------------------------------------------------------------- files --

def decode_wire(path, data, schema):
    need(len(data) > 5, f"{path}: too short for the wire format")
    need(data[0] == 0, f"{path}: magic byte {data[0]}, expected 0")
    schema_id = int.from_bytes(data[1:5], "big")
    need(schema_id == SCHEMA_ID, f"{path}: schema ID {schema_id}, expected {SCHEMA_ID}")
    stream = io.BytesIO(data[5:])
    alert = fastavro.schemaless_reader(stream, schema)
    need(stream.tell() == len(data) - 5, f"{path}: {len(data) - 5 - stream.tell()} trailing bytes")
    return [alert]


def decode_container(path, data, schema):
    alerts = list(fastavro.reader(io.BytesIO(data), reader_schema=schema))
    need(alerts, f"{path}: container holds no alerts")
    visit, detector = os.path.basename(path)[:-5].split("_")
    for alert in alerts:
        need(alert["diaSource"]["visit"] == int(visit) and alert["diaSource"]["detector"] == int(detector),
             f"{path}: alert {alert['diaSourceId']} is from another visit/detector")
    return alerts


def alert_files(paths):
    for path in paths:
        if os.path.isdir(path):
            for name in sorted(os.listdir(path)):
                if name.endswith(".avro"):
                    yield os.path.join(path, name)
        else:
            yield path


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schema-dir", default=default_schema_dir(), help="directory of the official 11.0 .avsc files")
    parser.add_argument("paths", nargs="+", help="alert files or directories of them")
    args = parser.parse_args()
    schema = load_official_schema(args.schema_dir)
    fields = record_fields(schema)
    passed, failed, counts, kinds, sample = 0, 0, {}, {"wire": 0, "container": 0}, []
    failures = []
    for path in alert_files(args.paths):
        with open(path, "rb") as fh:
            data = fh.read()
        try:
            if data.startswith(b"Obj\x01"):
                alerts = decode_container(path, data, schema)
                kinds["container"] += 1
            else:
                alerts = decode_wire(path, data, schema)
                kinds["wire"] += 1
        except Exception as err:
            failed += 1
            failures.append(f"{path}: {type(err).__name__}: {err}")
            continue
        for alert in alerts:
            try:
                check_alert(alert, fields, counts)
                passed += 1
                if len(sample) < 12:
                    sample.append(alert)
            except Failure as err:
                failed += 1
                failures.append(f"{path} alert {alert.get('diaSourceId')}: {err}")
    try:
        verified = fitsverify_sample(sample)
    except Failure as err:
        failed += 1
        failures.append(str(err))
        verified = 0
    for line in failures[:30]:
        print("FAIL", line, file=sys.stderr)
    solar = "solar-system and object alerts" if counts.get("ssSource") and counts.get("diaObject") else "alerts"
    print(f"files: {kinds['wire']} wire, {kinds['container']} container; field values checked: "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())) + f" ({solar})")
    if verified is not None:
        print(f"fitsverify: {verified} cutouts verified OK")
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 and passed > 0 else 1


if __name__ == "__main__":
    sys.exit(main())
