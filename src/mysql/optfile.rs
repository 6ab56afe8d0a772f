//! Option files (`my.cnf`): being written.
