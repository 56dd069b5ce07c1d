//! git-track's hooks: git's own hooks and coding agents' pre-edit hooks.
//!
//! - [`install`]: installing, removing and inspecting the git hook files (a hook already
//!   there is chained, never overwritten).
//! - [`checks`]: what each installed git hook checks when git runs it (pre-commit,
//!   pre-merge-commit, pre-push), judged by [`crate::scope::rules`].
//! - [`agent`]: coding agents' pre-edit hook protocols: reading what the agent is about
//!   to edit and answering in its own terms; `git track check --agent` judges the path
//!   with the same rules.
//!
//! The other agents' protocols, the hook configuration `agent-setup` writes and the
//! collision warning are in [`crate::agents`].

pub mod agent;
pub mod checks;
pub mod install;
