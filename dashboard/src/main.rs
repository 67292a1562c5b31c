//! Entry point of the dashboard bundle.
fn main() {
    leptos::mount::mount_to_body(cofund_dashboard::App);
}
