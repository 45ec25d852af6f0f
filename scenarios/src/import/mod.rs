//! `alertsim scenarios import`: a scenario from rendered manifests. The
//! values the scenario format holds become keys (each with its source);
//! the facts it cannot hold yet are listed in a comment block, so nothing
//! read is silently dropped.

pub mod assign;
pub mod render;

use crate::manifests::report::{self, ReportedField, ReportedObject};
use crate::manifests::scaled_job::ScaledJob;
use crate::manifests::{Manifests, configmap, kafka_user};
use crate::scenario::Scenario;

pub use assign::{Assignment, Assignments, Kept, Reader};

/// Options of the import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// Scenario name (default: derived by the caller from the input).
    pub name: String,
    /// The ScaledJob to import when the input has several.
    pub scaled_job: Option<String>,
}

/// Why manifests cannot be imported.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    /// Several ScaledJobs and none chosen.
    #[error("the input has several ScaledJobs ({0}); choose one with --scaled-job NAME")]
    SeveralScaledJobs(String),
    /// The chosen ScaledJob does not exist.
    #[error("no ScaledJob named `{0}` in the input")]
    NoSuchScaledJob(String),
}

/// The result of an import.
#[derive(Debug, Clone, PartialEq)]
pub struct Imported {
    /// Scenario name.
    pub name: String,
    /// Scenario description.
    pub description: String,
    /// The files read.
    pub files: Vec<String>,
    /// Keys set and kept.
    pub assignments: Assignments,
    /// Fields read that the scenario cannot hold, per object.
    pub not_modelled: Vec<ReportedObject>,
    /// Objects the importer looked for and did not find.
    pub absent_objects: Vec<String>,
    /// Objects of kinds not read.
    pub ignored: Vec<String>,
    /// Documents without `kind`.
    pub not_objects: Vec<(String, usize)>,
    /// Keys repeated in one mapping.
    pub duplicates: Vec<String>,
    /// The scenario file.
    pub text: String,
}

impl Imported {
    /// The scenario the text describes (validated).
    pub fn scenario(&self) -> Result<Scenario, crate::ScenarioError> {
        Scenario::from_str(&self.text, &format!("{}.toml", self.name))
    }
}

/// Imports manifests already loaded.
pub fn import(m: &Manifests, options: &ImportOptions) -> Result<Imported, ImportError> {
    let sj = match ScaledJob::find(m, options.scaled_job.as_deref()) {
        Ok(Some(sj)) => Some(sj),
        Ok(None) => match &options.scaled_job {
            Some(name) => return Err(ImportError::NoSuchScaledJob(name.clone())),
            None => None,
        },
        Err(names) => return Err(ImportError::SeveralScaledJobs(names.join(", "))),
    };
    let assignments = assign::assign(m, sj);
    let mut not_modelled = Vec::new();
    for o in &m.objects {
        if report::patterns(&o.kind).is_none() {
            continue;
        }
        let mut r = report::object(o);
        r.fields.retain(|f| {
            !assignments
                .set
                .iter()
                .any(|a| a.source.object == r.id && a.source.field == f.path)
        });
        if !r.fields.is_empty() {
            not_modelled.push(r);
        }
    }
    if let Some(inst) = assignments
        .instrument
        .as_deref()
        .and_then(|name| configmap::instrument(m, None, Some(name)))
    {
        not_modelled.push(ReportedObject {
            id: inst.object.id(),
            file: inst.object.file.clone(),
            line: inst.object.line,
            fields: vec![
                ReportedField {
                    path: configmap::field("inactive", &inst.name),
                    value: Some(format!("[{}]", inst.inactive.join(", "))),
                    line: inst.line,
                },
                ReportedField {
                    path: configmap::field("stream", &inst.name),
                    value: Some(
                        inst.stream
                            .as_deref()
                            .map_or("(absent)".to_owned(), |s| format!("{s:?}")),
                    ),
                    line: inst.line,
                },
            ],
        });
    }
    let mut absent_objects = Vec::new();
    if let Some(sj) = sj
        && let Some(user) = sj.producer().user
        && kafka_user::User::find(m, &user).is_none()
    {
        absent_objects.push(format!(
            "KafkaUser/{user} = (absent): the producer's user ({})",
            sj.0.source(&crate::manifests::scaled_job::env_path(
                "AP_KAFKA_PRODUCER_USERNAME"
            ))
        ));
    }
    let duplicates = m
        .objects
        .iter()
        .flat_map(|o| {
            o.duplicates.iter().map(move |d| {
                format!(
                    "{} {}: `{}` at {}:{} ({}) and {}:{} ({})",
                    o.id(),
                    d.path,
                    d.key,
                    o.file,
                    d.first.0,
                    d.first.1,
                    o.file,
                    d.last.0,
                    d.last.1
                )
            })
        })
        .collect();
    let description = match sj {
        Some(sj) => format!(
            "Imported from rendered manifests: ScaledJob/{} and {} other objects",
            sj.0.name,
            m.objects.len().saturating_sub(1)
        ),
        None => format!(
            "Imported from rendered manifests: {} objects",
            m.objects.len()
        ),
    };
    let mut imported = Imported {
        name: options.name.clone(),
        description,
        files: m.files.clone(),
        assignments,
        not_modelled,
        absent_objects,
        ignored: report::ignored(m),
        not_objects: m.not_objects.clone(),
        duplicates,
        text: String::new(),
    };
    imported.text = render::render(&imported);
    Ok(imported)
}
