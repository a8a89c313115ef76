//! uniffi's bindgen, at exactly the version the library is built with.
fn main() {
    uniffi::uniffi_bindgen_main()
}
