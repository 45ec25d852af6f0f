//! The `diaForcedSource` record of the 11.0 alert schema (14 fields): one
//! table, in schema order, from which `avro_record!` generates everything.

crate::avro_record! {
    /// One `diaForcedSource` record of the 11.0 alert schema.
    pub struct DiaForcedSource = "diaForcedSource" {
        dia_forced_source_id: i64 = "diaForcedSourceId",
        dia_object_id: i64 = "diaObjectId",
        ra: f64 = "ra",
        dec: f64 = "dec",
        visit: i64 = "visit",
        detector: i32 = "detector",
        psf_flux: Option<f32> = "psfFlux",
        psf_flux_err: Option<f32> = "psfFluxErr",
        midpoint_mjd_tai: f64 = "midpointMjdTai",
        science_flux: Option<f32> = "scienceFlux",
        science_flux_err: Option<f32> = "scienceFluxErr",
        band: Option<String> = "band",
        time_processed_mjd_tai: f64 = "timeProcessedMjdTai",
        time_withdrawn_mjd_tai: Option<f64> = "timeWithdrawnMjdTai",
    }
}
