//! Where worker Jobs run: the local runtime (embedded default) and Kubernetes.
