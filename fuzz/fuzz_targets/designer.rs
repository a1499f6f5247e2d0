//! libFuzzer target: `harness::designer_bytes`, random keys against the designer's `App`
//! (see harness.rs for the properties it checks). Saves go to a temporary folder.
#![no_main]

#[path = "../harness.rs"]
mod harness;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    let dir = std::env::temp_dir().join(format!("scorewright-fuzz-{}", std::process::id()));
    let _ = std::fs::create_dir_all(&dir);
    if let Err(why) = harness::designer_bytes(data, &dir) {
        panic!("{why}");
    }
});
