//! What a MySQL-family client will connect to, worked out before it runs.
//!
//! The MySQL family: Oracle MySQL and MariaDB command-line clients
//! (`mysql`, `mysqldump`, ... and their `mariadb-*` names) and mycli. Like
//! [`crate::libpq`], this resolves host, port, user, TLS settings and any
//! password exactly as the client would: its option table
//! ([`options`]) read by a model of `my_getopt` ([`getopt`]), the option
//! files it loads ([`optfile`]), `MYSQL_*` environment variables and
//! defaults. The client's flavour ([`Flavour`]) decides which table and
//! which TLS flags apply.

pub mod flavour;
pub mod getopt;
pub mod mycli;
pub mod optfile;
pub mod options;
pub mod params;
#[cfg(test)]
mod real_clients;
pub mod tls;

pub use options::{Arg, OptDef, Table};

/// Which implementation a client program is: the two take different TLS
/// and authentication flags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Flavour {
    /// Oracle MySQL (and builds of it such as Percona), with the major
    /// version (5, 8, 9...).
    Oracle { major: u32, minor: u32 },
    /// MariaDB's clients.
    MariaDb,
    /// mycli, a Python client of its own (PyMySQL).
    Mycli,
}

/// The option table of `client` in `flavour`, if vouch knows it.
pub fn table(client: MyClient, flavour: Flavour) -> Option<Table> {
    match (client, flavour) {
        (MyClient::Mycli, _) => Some(mycli::TABLE),
        (_, Flavour::Mycli) => None,
        _ => options::table(client, flavour),
    }
}

/// The MySQL-family clients vouch knows how to read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MyClient {
    Mysql,
    Mysqldump,
    Mysqladmin,
    Mysqlshow,
    Mysqlcheck,
    Mysqlimport,
    Mycli,
}

impl MyClient {
    pub const ALL: &'static [MyClient] = &[
        MyClient::Mysql,
        MyClient::Mysqldump,
        MyClient::Mysqladmin,
        MyClient::Mysqlshow,
        MyClient::Mysqlcheck,
        MyClient::Mysqlimport,
        MyClient::Mycli,
    ];

    /// The program names of each client: Oracle's name, then MariaDB's.
    pub fn names(self) -> &'static [&'static str] {
        match self {
            MyClient::Mysql => &["mysql", "mariadb"],
            MyClient::Mysqldump => &["mysqldump", "mariadb-dump"],
            MyClient::Mysqladmin => &["mysqladmin", "mariadb-admin"],
            MyClient::Mysqlshow => &["mysqlshow", "mariadb-show"],
            MyClient::Mysqlcheck => &["mysqlcheck", "mariadb-check"],
            MyClient::Mysqlimport => &["mysqlimport", "mariadb-import"],
            MyClient::Mycli => &["mycli"],
        }
    }

    /// The client whose program is called `base` (a base name, exactly).
    pub fn from_program(base: &str) -> Option<MyClient> {
        MyClient::ALL
            .iter()
            .copied()
            .find(|c| c.names().contains(&base))
    }
}
