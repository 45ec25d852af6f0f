//! Tests of the synthetic alert generator: determinism, identifier
//! consistency, physical ranges, history distributions and cutouts.

use alertsim_core::alert::fits::{cutout_side, read_hdus};
use alertsim_core::alert::generate::{AlertGenerator, GenerateError, GeneratorConfig, generate};
use alertsim_core::alert::records::{Alert, DiaSource};
use proptest::prelude::*;

fn no_cutouts() -> GeneratorConfig {
    GeneratorConfig {
        cutouts: false,
        ..GeneratorConfig::default()
    }
}

fn check_source(s: &DiaSource, what: &str) -> Result<(), String> {
    let fail = |msg: String| Err(format!("{what} {}: {msg}", s.dia_source_id));
    if !(0.0..360.0).contains(&s.ra) {
        return fail(format!("ra {}", s.ra));
    }
    if !(-90.0..=90.0).contains(&s.dec) {
        return fail(format!("dec {}", s.dec));
    }
    if !(60_000.0..70_000.0).contains(&s.midpoint_mjd_tai) {
        return fail(format!("midpoint {}", s.midpoint_mjd_tai));
    }
    if s.time_processed_mjd_tai <= s.midpoint_mjd_tai {
        return fail("processed before observed".into());
    }
    let errors = [
        s.ra_err,
        s.dec_err,
        s.x_err,
        s.y_err,
        s.ap_flux_err,
        s.psf_flux_err,
        s.trail_flux_err,
        s.science_flux_err,
        s.template_flux_err,
        s.dipole_mean_flux_err,
    ];
    if errors
        .iter()
        .any(|e| !matches!(e, Some(v) if *v > 0.0 && v.is_finite()))
    {
        return fail(format!("non-positive error in {errors:?}"));
    }
    if s.bbox_size <= 0 || s.psf_ndata <= 0 {
        return fail("bbox or ndata".into());
    }
    if !matches!(s.reliability, Some(r) if (0.0..=1.0).contains(&r)) {
        return fail("reliability".into());
    }
    if s.is_negative != s.psf_flux.map(|f| f < 0.0) {
        return fail("isNegative disagrees with psfFlux".into());
    }
    Ok(())
}

/// Every invariant the brief lists, as one check returning what failed.
fn check_alert(alert: &Alert) -> Result<(), String> {
    let s = &alert.dia_source;
    if alert.dia_source_id != s.dia_source_id {
        return Err("alert.diaSourceId != diaSource.diaSourceId".into());
    }
    check_source(s, "diaSource")?;
    match s.dia_object_id {
        Some(0) => {
            let ss = alert
                .ss_source
                .as_ref()
                .ok_or("solar-system alert without ssSource")?;
            let orbit = alert
                .mpc_orbits
                .as_ref()
                .ok_or("solar-system without mpc_orbits")?;
            if alert.dia_object.is_some()
                || alert.prv_dia_sources.is_some()
                || alert.prv_dia_forced_sources.is_some()
            {
                return Err("solar-system alert with object or history".into());
            }
            if ss.dia_source_id != s.dia_source_id || Some(ss.ss_object_id) != s.ss_object_id {
                return Err("ssSource identifiers".into());
            }
            if ss.designation.as_deref() != Some(orbit.designation.as_str()) {
                return Err("designations differ".into());
            }
            let (a, e, q) = (orbit.a.unwrap_or(0.0), orbit.e.unwrap_or(-1.0), orbit.q);
            if !(0.0..1.0).contains(&e)
                || q.map(|q| (q - a * (1.0 - e)).abs() > 1e-9) != Some(false)
            {
                return Err("orbit elements".into());
            }
        }
        Some(object_id) => {
            if alert.ss_source.is_some() || alert.mpc_orbits.is_some() || s.ss_object_id.is_some() {
                return Err("object alert with solar-system records".into());
            }
            let object = alert.dia_object.as_ref().ok_or("no diaObject")?;
            if object.dia_object_id != object_id {
                return Err("diaObjectId differs".into());
            }
            let prv = alert.prv_dia_sources.as_deref().unwrap_or(&[]);
            if alert.prv_dia_sources.as_ref().is_some_and(Vec::is_empty) {
                return Err("empty prvDiaSources instead of null".into());
            }
            if usize::try_from(object.n_dia_sources) != Ok(prv.len() + 1) {
                return Err(format!(
                    "nDiaSources {} with {} prv",
                    object.n_dia_sources,
                    prv.len()
                ));
            }
            if (object.n_dia_sources > 1) != alert.prv_dia_sources.is_some() {
                return Err("prvDiaSources present iff nDiaSources > 1".into());
            }
            let ndata = object.u_psf_flux_ndata
                + object.g_psf_flux_ndata
                + object.r_psf_flux_ndata
                + object.i_psf_flux_ndata
                + object.z_psf_flux_ndata
                + object.y_psf_flux_ndata;
            if ndata != object.n_dia_sources {
                return Err("per-band ndata do not add up".into());
            }
            let mut ids = std::collections::BTreeSet::from([s.dia_source_id]);
            for p in prv {
                check_source(p, "prvDiaSource")?;
                if p.dia_object_id != Some(object_id) || p.midpoint_mjd_tai >= s.midpoint_mjd_tai {
                    return Err("history source object or time".into());
                }
                if !ids.insert(p.dia_source_id) {
                    return Err("duplicate diaSourceId in history".into());
                }
            }
            if prv.first().is_some_and(|p| p.dia_source_id != object_id) {
                return Err("object not named after its first source".into());
            }
            for f in alert.prv_dia_forced_sources.iter().flatten() {
                if f.dia_object_id != object_id
                    || !matches!(f.psf_flux_err, Some(e) if e > 0.0)
                    || f.midpoint_mjd_tai >= s.midpoint_mjd_tai
                {
                    return Err("forced source".into());
                }
            }
        }
        None => return Err("diaObjectId null".into()),
    }
    Ok(())
}

#[test]
fn same_seed_same_alerts_and_different_seeds_differ() {
    let a = generate(12, 42).expect("generates");
    let b = generate(12, 42).expect("generates");
    let c = generate(12, 43).expect("generates");
    assert_eq!(a.len(), 12);
    assert_eq!(a, b);
    assert_ne!(a, c);
    assert!(
        a.iter()
            .zip(&c)
            .all(|(x, y)| x.dia_source.ra != y.dia_source.ra)
    );
}

#[test]
fn detector_alerts_are_prefix_stable_and_independent() {
    let generator = AlertGenerator::new(no_cutouts(), 9).expect("config");
    let five = generator.detector_alerts(2025090100042, 17, 5).unwrap();
    let ten = generator.detector_alerts(2025090100042, 17, 10).unwrap();
    assert_eq!(five[..], ten[..5]);
    let other = generator.detector_alerts(2025090100042, 18, 5).unwrap();
    for alert in five.iter().chain(&other) {
        assert_eq!(alert.dia_source.visit, 2025090100042);
        check_alert(alert).unwrap();
    }
    assert!(five.iter().all(|a| a.dia_source.detector == 17));
    assert!(other.iter().all(|a| a.dia_source.detector == 18));
    // A visit number's date sets the time.
    let t = five[0].dia_source.midpoint_mjd_tai;
    assert!((60_919.0..60_921.0).contains(&t), "{t}");
}

#[test]
fn layout_covers_the_count_in_visit_detector_order() {
    let generator = AlertGenerator::new(no_cutouts(), 1).expect("config");
    let layout: Vec<_> = generator.layout(20_000).collect();
    assert_eq!(layout.iter().map(|(_, _, n)| n).sum::<usize>(), 20_000);
    assert_eq!(layout[0], (2025081600001, 0, 50));
    assert_eq!(layout[189].0, 2025081600002);
    assert_eq!(layout.last().map(|l| l.2), Some(20_000 - 399 * 50));
}

#[test]
fn bad_configuration_and_requests_are_rejected() {
    let bad = GeneratorConfig {
        solar_system_fraction: 1.5,
        ..GeneratorConfig::default()
    };
    assert!(matches!(
        AlertGenerator::new(bad, 0),
        Err(GenerateError::Config(_))
    ));
    let generator = AlertGenerator::new(no_cutouts(), 0).unwrap();
    assert!(generator.detector_alerts(1, 300, 1).is_err());
    assert!(generator.detector_alerts(1, 3, 20_000).is_err());
}

#[test]
fn history_lengths_follow_the_reference_means() {
    let config = GeneratorConfig {
        solar_system_fraction: 0.0,
        ..no_cutouts()
    };
    let generator = AlertGenerator::new(config, 5).unwrap();
    let alerts: Vec<Alert> = generator
        .batches(1500)
        .flat_map(|batch| batch.expect("generates").alerts)
        .collect();
    let n = alerts.len() as f64;
    let prv = alerts
        .iter()
        .map(|a| a.prv_dia_sources.as_ref().map_or(0, Vec::len))
        .sum::<usize>() as f64
        / n;
    let forced = alerts
        .iter()
        .map(|a| a.prv_dia_forced_sources.as_ref().map_or(0, Vec::len))
        .sum::<usize>() as f64
        / n;
    assert!((prv - 105.0).abs() < 8.0, "mean prvDiaSources {prv}");
    assert!(
        (forced - 8.0).abs() < 1.0,
        "mean prvDiaForcedSources {forced}"
    );
    assert!(alerts.iter().any(|a| a.prv_dia_sources.is_none()));
}

#[test]
fn solar_system_fraction_is_honoured() {
    for (fraction, low, high) in [(0.0, 0, 0), (1.0, 400, 400), (0.3, 90, 150)] {
        let config = GeneratorConfig {
            solar_system_fraction: fraction,
            ..no_cutouts()
        };
        let alerts: Vec<Alert> = AlertGenerator::new(config, 8)
            .unwrap()
            .batches(400)
            .flat_map(|b| b.unwrap().alerts)
            .collect();
        let solar = alerts.iter().filter(|a| a.ss_source.is_some()).count();
        assert!((low..=high).contains(&solar), "{fraction}: {solar}");
        alerts.iter().try_for_each(check_alert).unwrap();
    }
}

#[test]
fn cutouts_match_the_source() {
    for alert in generate(30, 77).unwrap() {
        let side = cutout_side(alert.dia_source.bbox_size);
        for cutout in [
            &alert.cutout_science,
            &alert.cutout_difference,
            &alert.cutout_template,
        ] {
            let bytes = cutout.as_ref().expect("cutout present");
            let hdus = read_hdus(bytes).expect("FITS parses");
            assert_eq!(hdus[0].axes().unwrap(), vec![side, side]);
            assert_eq!(hdus[0].real("CRVAL1"), Some(alert.dia_source.ra));
            assert_eq!(hdus[0].real("CRVAL2"), Some(alert.dia_source.dec));
            assert_eq!(hdus[0].text("FILTER"), alert.dia_source.band.as_deref());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    #[test]
    fn invariants_hold_for_any_seed(seed in any::<u64>(), visit in 2024010100000i64..2030122802000, detector in 0i32..189) {
        let config = GeneratorConfig { solar_system_fraction: 0.2, ..no_cutouts() };
        let generator = AlertGenerator::new(config, seed).unwrap();
        for alert in generator.detector_alerts(visit, detector, 6).unwrap() {
            prop_assert_eq!(alert.dia_source.visit, visit);
            prop_assert_eq!(alert.dia_source.detector, detector);
            if let Err(msg) = check_alert(&alert) {
                prop_assert!(false, "seed {} visit {} detector {}: {}", seed, visit, detector, msg);
            }
        }
    }
}
