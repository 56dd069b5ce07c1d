//! Who and when a commit or reflog entry is stamped with: gix's rules
//! (`Repository::committer`, `Repository::author`), applied here so that the local time
//! zone is found the way git's C library finds it.
//!
//! Asked for a signature, gix works out the committer's and the author's times at once,
//! through jiff's system time zone, and jiff builds its list of zone names first: it lists
//! all of `/usr/share/zoneinfo`, some 1.5 ms of a 6 ms `git track new` even when
//! `GIT_COMMITTER_DATE` is set. Here the zone is read from `/etc/localtime` alone, the
//! same data the named zone would give; when `TZ` is set, or `/etc/localtime` cannot be
//! read, gix's own answer is taken, as it is for a date only gix's parser with a current
//! time understands (`now`, `2 days ago`).

use std::sync::OnceLock;

use anyhow::Result;
use gix::actor::Signature;
use gix::bstr::BString;
use gix::config::tree::{Author, Committer, Key, User, gitoxide};

/// Whose signature: they resolve from different keys.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    Committer,
    Author,
}

/// The signature gix would give `role`, or `None` when no name or no email is configured.
pub fn signature(repo: &gix::Repository, role: Role) -> Result<Option<Signature>> {
    let Some((name, email)) = identity(repo, role) else {
        return Ok(None);
    };
    let date_key: &dyn Key = match role {
        Role::Committer => &gitoxide::Commit::COMMITTER_DATE,
        Role::Author => &gitoxide::Commit::AUTHOR_DATE,
    };
    let configured = repo
        .config_snapshot()
        .string(date_key.logical_name().as_str());
    let time = match configured {
        None => now(),
        Some(date) => {
            // An absolute date needs no current time; gix ignores a date it cannot
            // parse and stamps the current time, so that case is gix's to answer too.
            match std::str::from_utf8(&date)
                .ok()
                .and_then(|d| gix::date::parse(d, None).ok())
            {
                Some(time) => time,
                None => return gix_signature(repo, role),
            }
        }
    };
    Ok(Some(Signature { name, email, time }))
}

/// The committer and author, both configured, or an error naming what is missing.
pub fn committer_and_author(repo: &gix::Repository) -> Result<(Signature, Signature)> {
    match (
        signature(repo, Role::Committer)?,
        signature(repo, Role::Author)?,
    ) {
        (Some(committer), Some(author)) => Ok((committer, author)),
        (None, _) => Err(anyhow::anyhow!("no committer identity is configured")),
        (_, None) => Err(anyhow::anyhow!("no author identity is configured")),
    }
}

/// Writes a commit stamped with the configured committer and author (gix's
/// `Repository::new_commit`, with [`signature`]'s times).
pub fn new_commit(
    repo: &gix::Repository,
    message: &str,
    tree: gix::ObjectId,
    parents: impl IntoIterator<Item = gix::ObjectId>,
) -> Result<gix::ObjectId> {
    let (committer, author) = committer_and_author(repo)?;
    let mut times = (
        gix::date::parse::TimeBuf::default(),
        gix::date::parse::TimeBuf::default(),
    );
    Ok(repo
        .new_commit_as(
            committer.to_ref(&mut times.0),
            author.to_ref(&mut times.1),
            message,
            tree,
            parents,
        )?
        .id)
}

/// The name and email `role` resolves to, in gix's order of keys (the `GIT_*_NAME` and
/// `GIT_*_EMAIL` variables reach the configuration as `committer.*` and `author.*`), each
/// resolved on its own.
pub fn identity(repo: &gix::Repository, role: Role) -> Option<(BString, BString)> {
    let config = repo.config_snapshot();
    let first = |keys: &[&dyn Key]| {
        keys.iter()
            .find_map(|k| config.string(k.logical_name().as_str()))
    };
    let (name, email) = match role {
        Role::Committer => (
            first(&[
                &Committer::NAME,
                &User::NAME,
                &gitoxide::Committer::NAME_FALLBACK,
            ]),
            first(&[
                &Committer::EMAIL,
                &User::EMAIL,
                &gitoxide::User::EMAIL_FALLBACK,
                &gitoxide::Committer::EMAIL_FALLBACK,
            ]),
        ),
        Role::Author => (
            first(&[&Author::NAME, &User::NAME, &gitoxide::Author::NAME_FALLBACK]),
            first(&[
                &Author::EMAIL,
                &User::EMAIL,
                &gitoxide::User::EMAIL_FALLBACK,
                &gitoxide::Author::EMAIL_FALLBACK,
            ]),
        ),
    };
    Some((name?, email?))
}

/// gix's own answer, for the cases only it settles.
fn gix_signature(repo: &gix::Repository, role: Role) -> Result<Option<Signature>> {
    let found = match role {
        Role::Committer => repo.committer(),
        Role::Author => repo.author(),
    };
    Ok(found.transpose()?.map(Signature::from))
}

/// The current time with the local time zone's offset at this moment.
pub fn now() -> gix::date::Time {
    match local_zone() {
        Some(zone) => {
            let now = jiff::Timestamp::now();
            gix::date::Time::new(now.as_second(), zone.to_offset(now).seconds())
        }
        None => gix::date::Time::now_local_or_utc(),
    }
}

/// The zone `/etc/localtime` describes, read once a process; `None` where jiff's own
/// search must decide (`TZ` set, in any of its forms, or no readable `/etc/localtime`).
fn local_zone() -> Option<&'static jiff::tz::TimeZone> {
    static ZONE: OnceLock<Option<jiff::tz::TimeZone>> = OnceLock::new();
    ZONE.get_or_init(|| {
        if std::env::var_os("TZ").is_some() {
            return None;
        }
        zone_in(std::path::Path::new("/etc/localtime"))
    })
    .as_ref()
}

/// The zone a TZif file describes.
fn zone_in(path: &std::path::Path) -> Option<jiff::tz::TimeZone> {
    let data = std::fs::read(path).ok()?;
    jiff::tz::TimeZone::tzif("Local", &data).ok()
}

#[cfg(test)]
mod tests {
    use super::zone_in;
    use std::path::Path;

    #[test]
    fn a_zone_read_from_its_file_has_the_offsets_of_the_named_zone() {
        let dir = Path::new("/usr/share/zoneinfo");
        for name in [
            "America/New_York",
            "Europe/Berlin",
            "Asia/Kolkata",
            "Australia/Lord_Howe",
        ] {
            let Ok(named) = jiff::tz::TimeZone::get(name) else {
                continue; // no time zone database on this machine
            };
            let read = zone_in(&dir.join(name)).expect("a TZif file");
            // Winter and summer of both hemispheres, before and after this year.
            for seconds in [
                0,
                1_112_911_993,
                1_767_225_600,
                1_782_864_000,
                2_500_000_000,
            ] {
                let at = jiff::Timestamp::from_second(seconds).expect("in range");
                assert_eq!(
                    read.to_offset(at),
                    named.to_offset(at),
                    "{name} at {seconds}"
                );
            }
        }
    }
}
