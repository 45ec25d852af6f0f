//! The worker loop: read an event, process a detector, package, publish.
