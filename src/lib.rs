//! git-track: run several streams of work ("tracks") in one git repository and merge
//! them back in a planned order.
//!
//! This library holds the model and the operations; it neither parses arguments nor
//! prints. The `git-track` binary (`src/main.rs`, `src/cli/`) is a thin layer over it.

#![forbid(unsafe_code)]

pub mod agents;
pub mod config;
pub mod dag;
pub mod demo;
pub mod deps;
pub mod edit;
pub mod exec;
pub mod fault;
pub mod git;
pub mod hooks;
pub mod import;
pub mod lifecycle;
pub mod linked_worktree;
pub mod lock;
pub mod loose;
pub mod merge;
pub mod object_presence;
pub mod overlap;
pub mod pack;
pub mod plan;
pub mod progress;
pub mod prune;
pub mod refs;
pub mod remote;
pub mod repo;
pub mod report;
pub mod scope;
pub mod settings;
pub mod setup;
pub mod shares;
pub mod stamp;
pub mod status;
pub mod store;
pub mod sync;
pub mod track;
pub mod track_env;
pub mod transition;
pub mod tree_edit;
