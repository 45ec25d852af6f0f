//! Deployments, Jobs, CronJobs and ingresses around the alert path (the
//! fan-out, the archive ingester and server, the schema sync and init
//! Jobs): the fields reported for each, none of them modelled yet.

/// Field patterns reported for each Deployment.
pub const DEPLOYMENT: [&str; 7] = [
    "?spec.replicas",
    "spec.template.spec.containers[0].image",
    "spec.template.spec.containers[0].command[#]",
    "spec.template.spec.containers[0].env[name=*].value",
    "spec.template.spec.terminationGracePeriodSeconds",
    "spec.template.spec.serviceAccountName",
    "spec.template.spec.containers[0].resources",
];

/// Field patterns reported for each Job.
pub const JOB: [&str; 4] = [
    "spec.template.spec.containers[0].image",
    "spec.template.spec.containers[0].command[#]",
    "spec.template.spec.containers[0].args[#]",
    "spec.backoffLimit",
];

/// Field patterns reported for each CronJob.
pub const CRON_JOB: [&str; 4] = [
    "spec.schedule",
    "spec.timeZone",
    "spec.concurrencyPolicy",
    "spec.jobTemplate.spec.template.spec.containers[0].image",
];

/// Field patterns reported for each GafaelfawrIngress (Rubin's ingress).
pub const INGRESS: [&str; 2] = ["config.scopes[*]", "template.spec.rules[#].host"];
