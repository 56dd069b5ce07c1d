//! Names of refs and objects as git-track writes and shows them: branch refs, abbreviated
//! object ids, and the reflog entry of each ref update.

use anyhow::{Result, anyhow};
use gix::refs::FullName;
use gix::refs::transaction::{LogChange, RefLog};

/// Where branches live.
pub const BRANCHES: &str = "refs/heads/";

/// `refs/heads/<branch>`.
pub fn branch_ref(branch: &str) -> String {
    format!("{BRANCHES}{branch}")
}

/// A branch as a person names it (`topic` or `refs/heads/topic`), as a full ref name.
pub fn branch_ref_given(given: &str) -> String {
    if given.starts_with(BRANCHES) {
        given.to_owned()
    } else {
        branch_ref(given)
    }
}

/// The branch a full ref name names, when it is one (`refs/heads/<branch>`).
pub fn branch_name(full: &str) -> Option<&str> {
    full.strip_prefix(BRANCHES)
}

/// An object id as people read it: its first 12 hex digits.
pub fn short_id(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

/// `name` as a full ref name, or an error naming it.
pub fn full_name(name: &str) -> Result<FullName> {
    name.try_into()
        .map_err(|e| anyhow!("invalid ref name '{name}': {e}"))
}

/// A ref update that writes its reflog entry (creating the reflog when needed).
pub fn logged(message: &str) -> LogChange {
    LogChange {
        mode: RefLog::AndReference,
        force_create_reflog: true,
        message: message.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_names_and_short_ids() {
        assert_eq!(branch_ref("track/a"), "refs/heads/track/a");
        assert_eq!(branch_ref_given("topic"), "refs/heads/topic");
        assert_eq!(branch_ref_given("refs/heads/topic"), "refs/heads/topic");
        assert_eq!(branch_name("refs/heads/track/a"), Some("track/a"));
        assert_eq!(branch_name("refs/tracks/a"), None);
        assert_eq!(
            short_id("b0a7e2ff3a766bcdd7d20822db6336f758e1fd9d"),
            "b0a7e2ff3a76"
        );
        assert_eq!(short_id("b0a7"), "b0a7");
    }
}
