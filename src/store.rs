//! Track definitions in `refs/tracks/<name>`: each points to a commit whose tree holds
//! `track.toml`; every change is a new commit on top of the previous one, and every ref
//! update is a compare-and-swap, so concurrent writers never overwrite each other.

use crate::refs;
use crate::repo::Repo;
use crate::track::Track;
use anyhow::{Context, Result, anyhow};
use gix::ObjectId;
use gix::objs::tree::EntryKind;
use gix::refs::Target;
use gix::refs::transaction::{Change, PreviousValue, RefEdit};
use std::time::Duration;

pub const REF_PREFIX: &str = "refs/tracks/";
pub const FILE_NAME: &str = "track.toml";

/// How often a writer that lost a race re-reads and tries again.
const ATTEMPTS: u32 = 50;

/// What reading or writing a definition can fail with.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("no track named '{name}'")]
    NoSuchTrack { name: String },
    /// Asked for the history of a track that has none (no hint: `log` names the track).
    #[error("no track named '{name}'")]
    NoHistory { name: String },
    #[error("{refname}: {cause}")]
    Unreadable { refname: String, cause: String },
    /// A track of that name appeared while a new one was being written.
    #[error("a track named '{name}' already exists")]
    Exists { name: String },
    #[error("could not write {refname}: {cause}")]
    Unwritable { refname: String, cause: String },
    #[error("could not update {refname} after {attempts} attempts: other writers kept changing it")]
    Contended {
        refname: String,
        attempts: u32,
        last_error: String,
    },
    #[error("{refname} changed while it was being removed")]
    ChangedWhileRemoving { refname: String, cause: String },
}

/// A definition as read from its ref.
#[derive(Debug, Clone)]
pub struct Stored {
    pub track: Track,
    /// The definition commit the ref points to.
    pub commit: ObjectId,
}

/// A ref under `refs/tracks/` that could not be read as a definition.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Invalid {
    #[serde(rename = "ref")]
    pub refname: String,
    pub error: String,
}

/// Every definition, and the refs that hold no valid one.
#[derive(Debug, Default)]
pub struct Listing {
    pub tracks: Vec<Stored>,
    pub invalid: Vec<Invalid>,
}

impl Listing {
    pub fn get(&self, name: &str) -> Option<&Stored> {
        self.tracks.iter().find(|s| s.track.name == name)
    }

    /// The tracks `names` names, in that order and each once; refuses a name no track
    /// has ([`StoreError::NoSuchTrack`]).
    pub fn select(&self, names: &[String]) -> Result<Vec<&Stored>> {
        let mut chosen: Vec<&Stored> = Vec::new();
        for name in names {
            let s = self.get(name).ok_or_else(|| no_such_track(name))?;
            if !chosen.iter().any(|c| c.track.name == *name) {
                chosen.push(s);
            }
        }
        Ok(chosen)
    }

    /// The name of every definition ref, valid or not.
    pub fn names(&self) -> Vec<String> {
        let mut names: Vec<String> = self
            .tracks
            .iter()
            .map(|s| s.track.name.clone())
            .chain(self.invalid.iter().map(|i| {
                i.refname
                    .strip_prefix(REF_PREFIX)
                    .unwrap_or(&i.refname)
                    .to_owned()
            }))
            .collect();
        names.sort();
        names
    }
}

/// The name of every definition ref, valid or not, read without reading a ref: the file
/// names of the loose refs under `refs/tracks/` and the packed refs there. What a check
/// of a new name needs, for a directory listing rather than a file read (and a
/// definition) per track.
pub fn names(repo: &Repo) -> Result<Vec<String>> {
    let mut names = std::collections::BTreeSet::new();
    let root = repo.gix.common_dir().join(REF_PREFIX.trim_end_matches('/'));
    loose_names(&root, "", &mut names)?;
    if let Some(packed) = repo.gix.refs.cached_packed_buffer()? {
        for r in packed.iter_prefixed(REF_PREFIX.into())? {
            let r = r.map_err(|e| anyhow!("could not read the packed refs: {e}"))?;
            let full = r.name.as_bstr().to_string();
            if let Some(name) = full.strip_prefix(REF_PREFIX) {
                names.insert(name.to_owned());
            }
        }
    }
    Ok(names.into_iter().collect())
}

/// The loose ref files under `dir` (a ref being written, `<name>.lock`, is not one yet).
fn loose_names(
    dir: &std::path::Path,
    prefix: &str,
    out: &mut std::collections::BTreeSet<String>,
) -> Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(anyhow!("could not read {}: {e}", dir.display())),
    };
    for entry in entries {
        let entry = entry.map_err(|e| anyhow!("could not read {}: {e}", dir.display()))?;
        let Ok(file_name) = entry.file_name().into_string() else {
            continue;
        };
        let name = format!("{prefix}{file_name}");
        let kind = entry
            .file_type()
            .map_err(|e| anyhow!("could not read {}: {e}", entry.path().display()))?;
        if kind.is_dir() {
            loose_names(&entry.path(), &format!("{name}/"), out)?;
        } else if !file_name.ends_with(".lock") {
            out.insert(name);
        }
    }
    Ok(())
}

/// One change in a definition's history.
#[derive(Debug, Clone)]
pub struct HistoryEntry {
    pub commit: ObjectId,
    pub time: i64,
    pub author: String,
    pub message: String,
    pub track: Option<Track>,
}

pub fn ref_name(name: &str) -> String {
    format!("{REF_PREFIX}{name}")
}

/// Reads every definition; a ref whose content is malformed is listed as invalid, not fatal.
pub fn list(repo: &Repo) -> Result<Listing> {
    list_under(repo, REF_PREFIX)
}

/// Reads every definition under `prefix` (`refs/tracks/`, or a remote-tracking
/// namespace); the name is what follows the prefix. Only the local definitions
/// are cached.
pub fn list_under(repo: &Repo, prefix: &str) -> Result<Listing> {
    let mut cache = if prefix == REF_PREFIX {
        DefinitionCache::read(repo)
    } else {
        DefinitionCache::none()
    };
    let references = references_under(repo, prefix)?;
    let mut listing = Listing {
        tracks: Vec::with_capacity(references.len()),
        invalid: Vec::new(),
    };
    for mut reference in references {
        let refname = reference.name().as_bstr().to_string();
        let name = refname[prefix.len()..].to_owned();
        // Definition refs point straight at commits; peel only what points elsewhere.
        let id = match reference.target().try_id() {
            Some(id) => Ok(id.to_owned()),
            None => reference
                .peel_to_id()
                .map(|id| id.detach())
                .map_err(anyhow::Error::from),
        };
        let result = id.and_then(|id| Ok((cache.definition(repo, id, &name)?, id)));
        match result {
            Ok((track, commit)) => listing.tracks.push(Stored { track, commit }),
            Err(e) => listing.invalid.push(Invalid {
                refname,
                error: format!("{e:#}"),
            }),
        }
    }
    if prefix == REF_PREFIX {
        cache.write(repo, &listing.tracks);
    }
    listing
        .tracks
        .sort_by(|a, b| a.track.name.cmp(&b.track.name));
    Ok(listing)
}

/// The references under `prefix`, read as one consistent listing. A loose ref deleted
/// between the directory listing and the read of its file (a concurrent `remove`) makes
/// gix fail the whole iteration; such a listing is taken again, a few times, before the
/// error is reported.
pub fn references_under<'r>(repo: &'r Repo, prefix: &str) -> Result<Vec<gix::Reference<'r>>> {
    const ATTEMPTS: usize = 5;
    let mut attempt = 0;
    loop {
        attempt += 1;
        let platform = repo.gix.references()?;
        let listed: std::result::Result<Vec<_>, _> = platform.prefixed(prefix)?.collect();
        match listed {
            Ok(refs) => return Ok(refs),
            Err(e) if attempt >= ATTEMPTS => {
                return Err(anyhow!("could not read refs under {prefix}: {e}"));
            }
            Err(_) => std::thread::sleep(std::time::Duration::from_millis(2 * attempt as u64)),
        }
    }
}

/// The definitions of definition commits, parsed, kept under `<common dir>/track/` so
/// that listing every track neither reads three objects per track nor parses its TOML
/// (which took a quarter of `list` at 1,000 tracks). A commit id fixes its content, so an
/// entry is never stale; a file that does not parse is ignored and rewritten, an entry
/// naming another track is read past, and a file that cannot be written is simply not
/// kept. Malformed definitions are not kept: they are read from their commit each time.
struct DefinitionCache {
    known: gix::hashtable::HashMap<ObjectId, Track>,
    /// The commits of this listing whose definitions are kept (those JSON holds whole);
    /// the definitions themselves are the listing's, written from it.
    used: gix::hashtable::HashSet<ObjectId>,
    changed: bool,
}

#[derive(serde::Deserialize)]
struct DefinitionCacheFile {
    version: u32,
    #[serde(deserialize_with = "by_commit")]
    tracks: gix::hashtable::HashMap<ObjectId, Track>,
}

/// The `tracks` of [`DefinitionCacheFile`] read straight into a map by commit (through a
/// map by text, a thousand definitions were copied twice more); an entry whose key is no
/// object id is left out.
fn by_commit<'de, D>(
    de: D,
) -> std::result::Result<gix::hashtable::HashMap<ObjectId, Track>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    struct ByCommit;
    impl<'de> serde::de::Visitor<'de> for ByCommit {
        type Value = gix::hashtable::HashMap<ObjectId, Track>;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("definitions by commit id")
        }
        fn visit_map<A: serde::de::MapAccess<'de>>(
            self,
            mut map: A,
        ) -> std::result::Result<Self::Value, A::Error> {
            let mut known = gix::hashtable::HashMap::default();
            known.reserve(map.size_hint().unwrap_or(0));
            while let Some((id, track)) = map.next_entry::<&'de str, Track>()? {
                if let Ok(id) = ObjectId::from_hex(id.as_bytes()) {
                    known.insert(id, track);
                }
            }
            Ok(known)
        }
    }
    de.deserialize_map(ByCommit)
}

/// [`DefinitionCacheFile`] as written: the definitions borrowed from the listing.
#[derive(serde::Serialize)]
struct DefinitionCacheOut<'l> {
    version: u32,
    tracks: std::collections::HashMap<String, &'l Track>,
}

const DEFINITION_CACHE_FILE: &str = "definitions-cache.json";
/// 1 kept the TOML texts.
const DEFINITION_CACHE_VERSION: u32 = 2;

impl DefinitionCache {
    fn none() -> DefinitionCache {
        DefinitionCache {
            known: Default::default(),
            used: Default::default(),
            changed: false,
        }
    }

    fn read(repo: &Repo) -> DefinitionCache {
        let known = std::fs::read(repo.state_dir().join(DEFINITION_CACHE_FILE))
            .ok()
            .and_then(|bytes| serde_json::from_slice::<DefinitionCacheFile>(&bytes).ok())
            .filter(|f| f.version == DEFINITION_CACHE_VERSION)
            .map(|f| f.tracks)
            .unwrap_or_default();
        DefinitionCache {
            known,
            used: Default::default(),
            changed: false,
        }
    }

    /// The definition `commit` holds, checked to name the track `name`.
    fn definition(&mut self, repo: &Repo, commit: ObjectId, name: &str) -> Result<Track> {
        if let Some(track) = self.known.remove(&commit) {
            if track.name == name {
                self.used.insert(commit);
                return Ok(track);
            }
            // Damaged: not what that commit holds.
            self.changed = true;
        }
        let track = read_definition(repo, commit, name)?;
        if survives_json(&track) {
            self.changed = true;
            self.used.insert(commit);
        }
        Ok(track)
    }

    /// Keeps exactly the definitions of `listed`, this listing: removed tracks drop out.
    fn write(self, repo: &Repo, listed: &[Stored]) {
        if !self.changed && self.known.is_empty() {
            return;
        }
        let file = DefinitionCacheOut {
            version: DEFINITION_CACHE_VERSION,
            tracks: listed
                .iter()
                .filter(|s| self.used.contains(&s.commit))
                .map(|s| (s.commit.to_string(), &s.track))
                .collect(),
        };
        let Ok(bytes) = serde_json::to_vec(&file) else {
            return;
        };
        // Write then rename, so a reader never sees half a file.
        let _ = crate::fault::write_file(&repo.state_dir().join(DEFINITION_CACHE_FILE), &bytes);
    }
}

/// Does `track` come back from JSON exactly as it is? (JSON has no NaN or infinite
/// estimate, which TOML has.) Only such definitions are cached.
fn survives_json(track: &Track) -> bool {
    serde_json::to_vec(track)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<Track>(&bytes).ok())
        .is_some_and(|back| back == *track)
}

/// Reads one definition; `Ok(None)` when there is no such track.
pub fn load(repo: &Repo, name: &str) -> Result<Option<Stored>> {
    let Some(commit) = repo.ref_target(&ref_name(name))? else {
        return Ok(None);
    };
    let track = read_definition(repo, commit, name).map_err(|e| StoreError::Unreadable {
        refname: ref_name(name),
        cause: format!("{e:#}"),
    })?;
    Ok(Some(Stored { track, commit }))
}

/// Reads one definition, failing as bad input when it does not exist.
pub fn load_existing(repo: &Repo, name: &str) -> Result<Stored> {
    load(repo, name)?.ok_or_else(|| no_such_track(name))
}

pub fn no_such_track(name: &str) -> anyhow::Error {
    StoreError::NoSuchTrack {
        name: name.to_owned(),
    }
    .into()
}

/// The definition a commit holds, checked to name the track `name`.
pub fn read_definition(repo: &Repo, commit: ObjectId, name: &str) -> Result<Track> {
    parse_definition(&read_definition_text(repo, commit)?, name)
}

/// The `track.toml` of a definition commit.
fn read_definition_text(repo: &Repo, commit: ObjectId) -> Result<String> {
    let commit = repo
        .gix
        .find_commit(commit)
        .context("the ref does not point to a commit")?;
    let tree = commit.tree()?;
    let entry = tree
        .lookup_entry_by_path(FILE_NAME)?
        .ok_or_else(|| anyhow!("no {FILE_NAME} in its tree"))?;
    if entry.mode().is_tree() {
        return Err(anyhow!("{FILE_NAME} is a folder (a tree), not a file"));
    }
    if !entry.mode().is_blob() {
        return Err(anyhow!("{FILE_NAME} is not a regular file"));
    }
    let data = entry.object()?.detach().data;
    String::from_utf8(data).map_err(|_| anyhow!("{FILE_NAME} is not UTF-8"))
}

fn parse_definition(text: &str, name: &str) -> Result<Track> {
    let track = Track::from_toml(text).map_err(|e| anyhow!("malformed {FILE_NAME}: {e:#}"))?;
    if track.name != name {
        return Err(anyhow!(
            "{FILE_NAME} names the track '{}', not '{name}'",
            track.name
        ));
    }
    Ok(track)
}

fn write_commit(
    repo: &Repo,
    track: &Track,
    parent: Option<ObjectId>,
    message: &str,
) -> Result<ObjectId> {
    write_definition(repo, track, parent.as_slice(), message)
}

/// Writes a definition commit with `parents` (two for a merge of definitions) and
/// returns its id; no ref moves.
pub fn write_definition(
    repo: &Repo,
    track: &Track,
    parents: &[ObjectId],
    message: &str,
) -> Result<ObjectId> {
    write_definition_to(&repo.gix, Objects::Disk, track, parents, message)
}

/// Where a definition's objects go.
#[derive(Clone, Copy)]
enum Objects {
    /// Loose files in the repository (see [`crate::loose`]).
    Disk,
    /// The repository's objects in memory (`import` writes them as one pack after).
    Memory,
}

/// [`write_definition`] into `gix`'s object database or its objects in memory.
fn write_definition_to(
    gix: &gix::Repository,
    objects: Objects,
    track: &Track,
    parents: &[ObjectId],
    message: &str,
) -> Result<ObjectId> {
    let write = |object: &dyn gix::objs::WriteTo| -> Result<ObjectId> {
        let mut data = Vec::with_capacity(512);
        object.write_to(&mut data)?;
        match objects {
            Objects::Disk => crate::loose::write(gix, object.kind(), &data),
            Objects::Memory => gix::objs::Write::write_buf(gix, object.kind(), &data)
                .map_err(|e| anyhow!("could not write a {} object: {e}", object.kind())),
        }
    };
    let blob = write(&gix::objs::Blob {
        data: track.to_toml()?.into_bytes(),
    })?;
    let tree = write(&gix::objs::Tree {
        entries: vec![gix::objs::tree::Entry {
            mode: EntryKind::Blob.into(),
            filename: FILE_NAME.into(),
            oid: blob,
        }],
    })?;
    let (committer, author) = crate::stamp::committer_and_author(gix)?;
    write(&gix::objs::Commit {
        tree,
        parents: parents.iter().copied().collect(),
        author,
        committer,
        encoding: None,
        message: format!("{message}\n").into(),
        extra_headers: Vec::new(),
    })
}

/// How a move of `refname` is logged: a definition's ref as git would log it (its commits
/// are its history), any other ref always.
fn log_change(refname: &str, message: &str) -> gix::refs::transaction::LogChange {
    if refname.starts_with(REF_PREFIX) {
        refs::logged_as_git_would(message)
    } else {
        refs::logged(message)
    }
}

/// Moves any ref with compare-and-swap: from `expected` (`None`: must not exist) to
/// `new` (`None`: delete). Fails, changing nothing, when the ref is not as expected.
pub fn swap(
    repo: &Repo,
    refname: &str,
    expected: Option<ObjectId>,
    new: Option<ObjectId>,
    message: &str,
) -> Result<()> {
    let name = refs::full_name(refname)?;
    let previous = match expected {
        Some(id) => PreviousValue::MustExistAndMatch(Target::Object(id)),
        None => PreviousValue::MustNotExist,
    };
    let edit = match new {
        Some(id) => RefEdit::update_with_log(name, id, previous, log_change(refname, message)),
        None => RefEdit::delete(name, previous),
    };
    crate::repo::edit_reference(&repo.gix, edit)
        .with_context(|| format!("could not move {refname}"))?;
    Ok(())
}

/// Writes the first commit of a new definition and returns it with the ref edit that
/// creates the track (it fails if a track of that name appears meanwhile).
pub fn new_definition(repo: &Repo, track: &Track) -> Result<(ObjectId, RefEdit)> {
    new_definition_to(&repo.gix, Objects::Disk, track)
}

/// [`new_definition`] with its objects written to `gix`'s objects in memory (`import`
/// writes them as one pack after).
pub fn new_definition_in_memory(
    gix: &gix::Repository,
    track: &Track,
) -> Result<(ObjectId, RefEdit)> {
    new_definition_to(gix, Objects::Memory, track)
}

fn new_definition_to(
    gix: &gix::Repository,
    objects: Objects,
    track: &Track,
) -> Result<(ObjectId, RefEdit)> {
    let message = format!("track: create {}", track.name);
    let commit = write_definition_to(gix, objects, track, &[], &message)?;
    let edit = RefEdit::update_with_log(
        refs::full_name(&ref_name(&track.name))?,
        commit,
        PreviousValue::MustNotExist,
        refs::logged_as_git_would(&message),
    );
    Ok((commit, edit))
}

/// Writes a new definition; fails if a track of that name appeared meanwhile.
pub fn create(repo: &Repo, track: &Track) -> Result<ObjectId> {
    create_with(repo, track, None)
}

/// [`create`], with `also` (a ref that must not exist yet, such as the track's new
/// branch) made in the same ref transaction: both or neither.
pub fn create_with(repo: &Repo, track: &Track, also: Option<RefEdit>) -> Result<ObjectId> {
    let (commit, edit) = new_definition(repo, track)?;
    let also_name = also.as_ref().map(|e| e.name.as_bstr().to_string());
    let done = crate::repo::edit_references(&repo.gix, [edit].into_iter().chain(also).collect());
    let taken = |refname: &str| -> anyhow::Error {
        match refname.strip_prefix(REF_PREFIX) {
            Some(name) => StoreError::Exists {
                name: name.to_owned(),
            }
            .into(),
            None => RefTaken {
                refname: refname.to_owned(),
            }
            .into(),
        }
    };
    let definition = ref_name(&track.name);
    match done {
        // Another `new` wrote the very same commit (same content, same second): gix lets
        // `MustNotExist` through when the ref already has the new value. (A branch made
        // meanwhile at the very commit the track starts at is the track's branch.)
        Ok(done) => {
            let ours = |e: &&RefEdit| e.name.as_bstr() == definition.as_str();
            match done.iter().find(ours) {
                Some(e) if existed_before(std::slice::from_ref(e)) => Err(taken(&definition)),
                _ => Ok(commit),
            }
        }
        Err(e) => {
            // Lost a race to a writer of one of the refs, or a ref is locked or unwritable.
            let refnames: Vec<&String> = std::iter::once(&definition).chain(&also_name).collect();
            for refname in &refnames {
                if repo.ref_target(refname)?.is_some() {
                    return Err(taken(refname));
                }
            }
            if let Some(locked) = refnames.iter().find_map(|r| repo.ref_lock_left(r)) {
                return Err(locked.into());
            }
            Err(StoreError::Unwritable {
                refname: definition,
                cause: format!("{e:#}"),
            }
            .into())
        }
    }
}

/// A ref made along with a new definition that someone else made first.
#[derive(Debug, thiserror::Error)]
#[error("{refname} already exists")]
pub struct RefTaken {
    pub refname: String,
}

/// Did a ref edit that was done find the ref already there? (gix lets `MustNotExist`
/// through when the ref already has the new value.)
pub fn existed_before(done: &[RefEdit]) -> bool {
    done.iter().any(|e| {
        matches!(
            &e.change,
            Change::Update {
                expected: PreviousValue::MustExistAndMatch(_),
                ..
            }
        )
    })
}

/// Changes a definition with compare-and-swap. `change` is applied to the newest
/// definition and returns the summary for the commit message (or `None` when there is
/// nothing to change); a writer that loses a race re-reads and applies it again.
pub fn update<F>(repo: &Repo, name: &str, mut change: F) -> Result<(Stored, Option<String>)>
where
    F: FnMut(&mut Track) -> Result<Option<String>>,
{
    let mut last_error = None;
    for attempt in 0..ATTEMPTS {
        let current = load_existing(repo, name)?;
        let mut track = current.track.clone();
        let Some(summary) = change(&mut track)? else {
            return Ok((current, None));
        };
        track.updated = repo.timestamp();
        let message = format!("track: edit {name}: {summary}");
        let commit = write_commit(repo, &track, Some(current.commit), &message)?;
        let edit = RefEdit::update_with_log(
            refs::full_name(&ref_name(name))?,
            commit,
            PreviousValue::MustExistAndMatch(Target::Object(current.commit)),
            refs::logged_as_git_would(&message),
        );
        match crate::repo::edit_reference(&repo.gix, edit) {
            Ok(_) => return Ok((Stored { track, commit }, Some(summary))),
            Err(e) => {
                // Lost the race (the ref moved) or the ref is locked by another writer.
                last_error = Some(e);
                backoff(attempt);
            }
        }
    }
    if let Some(lock) = repo.ref_lock_left(&ref_name(name)) {
        return Err(lock.into());
    }
    Err(StoreError::Contended {
        refname: ref_name(name),
        attempts: ATTEMPTS,
        last_error: format!("{:#}", last_error.unwrap_or_else(|| anyhow!("none"))),
    }
    .into())
}

/// Deletes a definition, provided it still is what the caller read.
pub fn delete(repo: &Repo, stored: &Stored) -> Result<()> {
    let edit = RefEdit::delete(
        refs::full_name(&ref_name(&stored.track.name))?,
        PreviousValue::MustExistAndMatch(Target::Object(stored.commit)),
    );
    crate::repo::edit_reference(&repo.gix, edit).map_err(|e| {
        if let Some(lock) = repo.ref_lock_left(&ref_name(&stored.track.name)) {
            return anyhow::Error::from(lock);
        }
        StoreError::ChangedWhileRemoving {
            refname: ref_name(&stored.track.name),
            cause: format!("{e:#}"),
        }
        .into()
    })?;
    Ok(())
}

/// The definition's history, newest first.
pub fn history(repo: &Repo, name: &str) -> Result<Vec<HistoryEntry>> {
    let Some(mut id) = repo.ref_target(&ref_name(name))? else {
        return Err(StoreError::NoHistory {
            name: name.to_owned(),
        }
        .into());
    };
    let mut out = Vec::new();
    loop {
        let commit = repo.gix.find_commit(id)?;
        let decoded = commit.decode()?;
        let author = decoded
            .author()
            .map(|a| format!("{} <{}>", a.name, a.email))
            .unwrap_or_default();
        let time = commit.time().map(|t| t.seconds).unwrap_or(0);
        let message = decoded.message.to_string().trim_end().to_owned();
        let parent = decoded.parents().next();
        drop(decoded);
        out.push(HistoryEntry {
            commit: id,
            time,
            author,
            message,
            track: read_definition(repo, id, name).ok(),
        });
        match parent {
            Some(p) => id = p,
            None => break,
        }
    }
    Ok(out)
}

fn backoff(attempt: u32) {
    // Spread retries so that racing processes do not keep colliding.
    let jitter = u64::from(std::process::id() % 7 + attempt % 5);
    std::thread::sleep(Duration::from_millis(
        5 + jitter * 3 + u64::from(attempt.min(10)) * 4,
    ));
}
