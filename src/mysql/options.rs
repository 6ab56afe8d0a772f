//! Option tables of the MySQL-family clients: being written.

/// Whether and how an option takes a value (my_getopt's `arg_type` and
/// `var_type` as far as parsing is concerned).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Arg {
    /// No value (`--help`, `--version`, `--print-defaults`).
    None,
    /// A boolean: `--x`, `--x=0|1|on|off|true|false`, `--skip-x`,
    /// `--disable-x`, `--enable-x`.
    Bool,
    /// A required value: `--x=v`, `--x v`, `-xv`, `-x v`.
    Required,
    /// An optional value, only attached: `--x=v`, `-xv`.
    Optional,
}

/// One option of a client's table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OptDef {
    /// The long name as the client lists it (with `-`, never `_`).
    pub long: &'static str,
    pub short: Option<char>,
    pub arg: Arg,
}
