//! Link options for the phone library.
//!
//! Packs its relative relocations: about 29,000 of them (vtables, panic
//! locations, the pinyin tables) take 24 bytes each as plain `R_*_RELATIVE`
//! entries, about 0.7 MB of the library; packed they take a few KB, and the
//! library loads faster. glibc reads the packed form since 2.36 (GNU ld adds a
//! version requirement, so an older glibc refuses the library with a clear
//! message instead of misloading it). Android reads its own packed format from
//! API 23, below our minSdk of 24; the standard one (RELR) would need API 28.

//!
//! On Android the LOAD segments are also aligned to 16 KB, which devices with
//! 16 KB pages (Android 15 and later) require.

fn main() {
    match std::env::var("CARGO_CFG_TARGET_OS").as_deref() {
        Ok("linux") => println!("cargo:rustc-cdylib-link-arg=-Wl,-z,pack-relative-relocs"),
        Ok("android") => {
            println!("cargo:rustc-cdylib-link-arg=-Wl,--pack-dyn-relocs=android");
            println!("cargo:rustc-cdylib-link-arg=-Wl,-z,max-page-size=16384");
        }
        _ => {}
    }
    println!("cargo:rerun-if-changed=build.rs");
}
