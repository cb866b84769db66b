//! The runner on real databases.

mod smoke;
