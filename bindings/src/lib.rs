//! doorstep-ffi: the UniFFI surface of Doorstep's core for the Android and iOS
//! shells.
//!
//! Nothing is exported yet: the surface (login, households, the visit screen
//! model, sync) is the work of the bindings issue, once the core's sync exists.
//! The crate exists so the workspace has its final shape.
