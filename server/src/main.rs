//! `cofund`: the reference server of Cofund and its administration commands.

fn main() -> std::process::ExitCode {
    cofund_server::cli::main()
}
