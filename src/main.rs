//! Entry point of the widget bundle: mounts every `[data-cofund-src]` host on load.
fn main() {
    cofund_widget::mount_all();
}
