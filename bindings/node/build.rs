//! Links the addon against Node-API the way napi-rs expects.

fn main() {
    napi_build::setup();
}
