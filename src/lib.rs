//! git-track: run several streams of work ("tracks") in one git repository and merge
//! them back in a planned order.
//!
//! This library holds the model and the operations; it neither parses arguments nor
//! prints. The `git-track` binary (`src/main.rs`, `src/cli/`) is a thin layer over it.

#[macro_use]
pub mod error;

pub mod agent;
pub mod changes;
pub mod check;
pub mod claims;
pub mod config;
pub mod demo;
pub mod deps;
pub mod edit;
pub mod git;
pub mod guard;
pub mod hooks;
pub mod import;
pub mod lifecycle;
pub mod merge;
pub mod notes;
pub mod overlap;
pub mod paths;
pub mod repo;
pub mod scope;
pub mod settings;
pub mod shared;
pub mod status;
pub mod store;
pub mod track;
pub mod worktree;
