//! One decoded alert as a JSON object, in schema field order, with its
//! cutouts summarised (size, SHA-256, FITS side and HDU names) instead of
//! dumped.

use alertsim_core::alert::fits::read_hdus;
use alertsim_core::alert::records::Alert;
use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

/// The JSON text that ends an alert whose three cutouts are null: the
/// cutouts are the last three fields of the schema.
const NULL_CUTOUTS_TAIL: &str =
    r#","cutoutDifference":null,"cutoutScience":null,"cutoutTemplate":null}"#;

/// The alert as one line of JSON, Avro field names as keys in schema order,
/// cutouts summarised.
pub fn alert_json_line(mut alert: Alert) -> anyhow::Result<String> {
    let cutouts = [
        ("cutoutDifference", alert.cutout_difference.take()),
        ("cutoutScience", alert.cutout_science.take()),
        ("cutoutTemplate", alert.cutout_template.take()),
    ];
    let mut text = serde_json::to_string(&alert)?;
    if !text.ends_with(NULL_CUTOUTS_TAIL) {
        anyhow::bail!("alert JSON does not end with its three cutouts");
    }
    text.truncate(text.len() - NULL_CUTOUTS_TAIL.len());
    for (name, cutout) in cutouts {
        let summary = cutout.as_deref().map_or(Value::Null, cutout_summary);
        text.push_str(&format!(",{}:{}", json!(name), summary));
    }
    text.push('}');
    Ok(text)
}

/// `{bytes, sha256, fits_side, hdus}` of one cutout; `fits_error` instead of
/// the FITS figures when the bytes are not a readable FITS file.
pub fn cutout_summary(bytes: &[u8]) -> Value {
    let mut summary = Map::new();
    summary.insert("bytes".to_owned(), json!(bytes.len()));
    summary.insert("sha256".to_owned(), json!(hex(&Sha256::digest(bytes))));
    match read_hdus(bytes) {
        Ok(hdus) => {
            let side = hdus
                .first()
                .and_then(|h| h.axes().ok())
                .and_then(|axes| axes.first().copied());
            summary.insert("fits_side".to_owned(), json!(side));
            let names: Vec<_> = hdus.iter().map(|h| h.text("EXTNAME")).collect();
            summary.insert("hdus".to_owned(), json!(names));
        }
        Err(err) => {
            summary.insert("fits_error".to_owned(), json!(err.to_string()));
        }
    }
    Value::Object(summary)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}
