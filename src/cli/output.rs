//! The one place where command results become text or JSON, where colour is decided and
//! applied, where messages go to stderr in git's style, and where progress is drawn.

use serde::Serialize;
use std::io::{self, IsTerminal, Write};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// The `"version"` of every JSON document: raised when a key changes meaning or goes away
/// (new keys may appear within a version). The schemas under `schemas/` describe it.
pub const JSON_VERSION: u32 = 1;

/// Every JSON document starts with its version.
#[derive(Serialize)]
struct Versioned<'a, T: Serialize> {
    version: u32,
    #[serde(flatten)]
    data: &'a T,
}

/// A command's result as it will be shown.
pub struct Output {
    body: Option<Box<dyn Render>>,
    pub code: i32,
    pub messages: Vec<Message>,
}

#[allow(dead_code)]
pub enum Message {
    Warning(String),
    Hint(String),
    Info(String),
}

trait Render {
    fn text(&self, w: &mut dyn Write) -> io::Result<()>;
    fn json(&self) -> serde_json::Result<String>;
}

struct View<T, F> {
    data: T,
    text: F,
}

impl<T, F> Render for View<T, F>
where
    T: Serialize,
    F: Fn(&T, &mut dyn Write) -> io::Result<()>,
{
    fn text(&self, w: &mut dyn Write) -> io::Result<()> {
        (self.text)(&self.data, w)
    }
    fn json(&self) -> serde_json::Result<String> {
        serde_json::to_string_pretty(&Versioned {
            version: JSON_VERSION,
            data: &self.data,
        })
    }
}

// `code` and `hint` serve the commands that report findings (exit 1) and advice.
#[allow(dead_code)]
impl Output {
    /// `data` is what `--json` prints; `text` renders it for a person.
    pub fn new<T, F>(data: T, text: F) -> Output
    where
        T: Serialize + 'static,
        F: Fn(&T, &mut dyn Write) -> io::Result<()> + 'static,
    {
        Output {
            body: Some(Box::new(View { data, text })),
            code: 0,
            messages: Vec::new(),
        }
    }

    /// Nothing for stdout.
    pub fn none() -> Output {
        Output {
            body: None,
            code: 0,
            messages: Vec::new(),
        }
    }

    pub fn code(mut self, code: i32) -> Output {
        self.code = code;
        self
    }

    pub fn warn(mut self, m: impl Into<String>) -> Output {
        self.messages.push(Message::Warning(m.into()));
        self
    }

    pub fn hint(mut self, m: impl Into<String>) -> Output {
        self.messages.push(Message::Hint(m.into()));
        self
    }

    pub fn info(mut self, m: impl Into<String>) -> Output {
        self.messages.push(Message::Info(m.into()));
        self
    }

    /// Warnings and notes go to stderr before the body, hints after it: a hint says what
    /// to do about what was just shown, as git places them. `--quiet` drops the notes.
    pub fn emit(&self, json: bool, quiet: bool) -> io::Result<()> {
        self.messages_to_stderr(false, quiet)?;
        if let Some(body) = &self.body {
            let stdout = io::stdout();
            let mut out = io::BufWriter::new(stdout.lock());
            if json {
                let text = body.json().map_err(io::Error::other)?;
                writeln!(out, "{text}")?;
            } else {
                body.text(&mut out)?;
            }
            out.flush()?;
        }
        self.messages_to_stderr(true, quiet)
    }

    /// The body as text, without the messages (for a redrawn screen).
    pub fn write_text(&self, w: &mut dyn Write) -> io::Result<()> {
        match &self.body {
            Some(body) => body.text(w),
            None => Ok(()),
        }
    }

    fn messages_to_stderr(&self, hints: bool, quiet: bool) -> io::Result<()> {
        let stderr = io::stderr();
        let mut err = stderr.lock();
        for m in &self.messages {
            match m {
                Message::Warning(s) if !hints => prefixed(&mut err, "warning: ", s)?,
                Message::Info(s) if !hints && !quiet => writeln!(err, "{s}")?,
                Message::Hint(s) if hints => prefixed(&mut err, "hint: ", s)?,
                _ => {}
            }
        }
        Ok(())
    }
}

/// Writes `prefix` before every line of `text`, as git does for multi-line messages.
pub fn prefixed(w: &mut dyn Write, prefix: &str, text: &str) -> io::Result<()> {
    for line in text.lines() {
        writeln!(w, "{prefix}{line}")?;
    }
    Ok(())
}

/// Pads cells to aligned columns (by their visible width: colour codes take no room); the
/// last column is not padded.
pub fn table(rows: &[Vec<String>], w: &mut dyn Write) -> io::Result<()> {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| visible_width(s))
                .max()
                .unwrap_or(0)
        })
        .collect();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                // saturating: a cell wider than its column cannot be, but never panics
                // (`format!`'s width did, past 65,535, on a hostile definition).
                line.push_str(cell);
                let pad = widths[i].saturating_sub(visible_width(cell)) + 2;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        writeln!(w, "{}", line.trim_end())?;
    }
    Ok(())
}

// ---- Colour ----------------------------------------------------------------------------

/// Whether stdout gets colour; decided once per process by [`decide_color`].
static COLOR: AtomicBool = AtomicBool::new(false);

/// What a piece of text means, and so how it stands out.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Paint {
    /// Conflicts and failed gates: red.
    Conflict,
    /// Scope violations, tracks that need a sync: red.
    Violation,
    /// Stuck, stale, blocked, dirty or missing: yellow.
    Attention,
    /// Merged, clean, nothing found: green.
    Good,
    /// Column headings and section titles: bold.
    Heading,
    /// Commit ids: yellow, as git log shows them.
    Commit,
}

impl Paint {
    /// The SGR code, as git's default colours (red, yellow, green, bold).
    fn code(self) -> &'static str {
        match self {
            Paint::Conflict | Paint::Violation => "\x1b[31m",
            Paint::Attention | Paint::Commit => "\x1b[33m",
            Paint::Good => "\x1b[32m",
            Paint::Heading => "\x1b[1m",
        }
    }
}

const RESET: &str = "\x1b[m";

/// `text` in the colour of `paint` when colour is on, else as it is.
pub fn paint(paint: Paint, text: &str) -> String {
    if COLOR.load(Ordering::Relaxed) && !text.is_empty() {
        format!("{}{text}{RESET}", paint.code())
    } else {
        text.to_owned()
    }
}

/// `--color=<when>`: `always`, `never`, `auto` (the default), and git's spellings of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum When {
    Always,
    Never,
    Auto,
}

/// Decides colour as git does: `--color` first; then `NO_COLOR` (set and not empty) turns
/// it off; then `color.track`, then `color.ui` (`true`/`auto`, `always`, `false`/`never`);
/// `auto` means colour only when stdout is a terminal. JSON never has colour.
pub fn decide_color(flag: Option<When>, config: Option<&str>, json: bool) -> bool {
    let when = flag.unwrap_or_else(|| {
        if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
            return When::Never;
        }
        match config.map(str::to_ascii_lowercase).as_deref() {
            Some("always") => When::Always,
            Some("false" | "never" | "no" | "off" | "0") => When::Never,
            _ => When::Auto,
        }
    });
    let on = !json
        && match when {
            When::Always => true,
            When::Never => false,
            When::Auto => {
                io::stdout().is_terminal() && std::env::var("TERM").as_deref() != Ok("dumb")
            }
        };
    COLOR.store(on, Ordering::Relaxed);
    on
}

/// Width on screen: the characters less the colour codes [`paint`] adds.
fn visible_width(s: &str) -> usize {
    let mut width = 0;
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            // An SGR sequence: ESC [ ... m
            for c in chars.by_ref() {
                if c == 'm' {
                    break;
                }
            }
        } else {
            width += 1;
        }
    }
    width
}

// ---- Progress --------------------------------------------------------------------------

/// Draws progress on stderr as git does: "Merging tracks:  18% (12/65)", rewritten in
/// place, then ", done." on the last line.
pub struct Meter {
    state: Mutex<MeterState>,
    /// Wait this long before drawing, so quick work shows nothing (git waits too).
    delay: Duration,
}

struct MeterState {
    label: String,
    total: usize,
    done: usize,
    started: Instant,
    shown: bool,
    last_percent: Option<usize>,
    last_draw: Instant,
}

impl Meter {
    /// A meter when progress is wanted: `--progress` forces it (drawn at once), `--quiet`
    /// or `--no-progress` turns it off, otherwise only when stderr is a terminal.
    pub fn new(progress: Option<bool>, quiet: bool) -> Option<Meter> {
        let delay = match progress {
            Some(true) => Duration::ZERO,
            Some(false) => return None,
            None if quiet || !io::stderr().is_terminal() => return None,
            None => Duration::from_secs(1),
        };
        let now = Instant::now();
        Some(Meter {
            state: Mutex::new(MeterState {
                label: String::new(),
                total: 0,
                done: 0,
                started: now,
                shown: false,
                last_percent: None,
                last_draw: now,
            }),
            delay,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, MeterState> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl MeterState {
    fn line(&self) -> String {
        match (self.done * 100).checked_div(self.total) {
            Some(percent) => format!(
                "{}: {percent:3}% ({}/{})",
                self.label, self.done, self.total
            ),
            None => format!("{}: {}", self.label, self.done),
        }
    }

    fn draw(&mut self, end: &str) {
        let mut err = io::stderr().lock();
        let _ = write!(err, "{}{end}", self.line());
        let _ = err.flush();
        self.shown = true;
        self.last_draw = Instant::now();
    }
}

impl git_track::progress::Progress for Meter {
    fn start(&self, label: &str, total: usize) {
        let mut st = self.lock();
        *st = MeterState {
            label: label.to_owned(),
            total,
            done: 0,
            started: Instant::now(),
            shown: false,
            last_percent: None,
            last_draw: Instant::now(),
        };
    }

    fn tick(&self) {
        let mut st = self.lock();
        st.done += 1;
        // Work outside a stage (a retry, a single item) is not shown.
        if st.label.is_empty() || st.started.elapsed() < self.delay {
            return;
        }
        // Redraw when the percentage moves, or now and then when there is no total.
        let percent = (st.done * 100).checked_div(st.total);
        let due = match percent {
            Some(p) => st.last_percent != Some(p),
            None => st.last_draw.elapsed() >= Duration::from_millis(100),
        };
        if due || !st.shown {
            st.last_percent = percent;
            st.draw("\r");
        }
    }

    fn finish(&self) {
        let mut st = self.lock();
        if st.shown {
            st.draw(", done.\n");
        }
        st.label.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colour_codes_take_no_room_in_a_table() {
        let painted = format!("{}x{RESET}", Paint::Conflict.code());
        assert_eq!(visible_width(&painted), 1);
        let rows = vec![
            vec![painted.clone(), "b".to_owned()],
            vec!["yy".to_owned(), "c".to_owned()],
        ];
        let mut out = Vec::new();
        table(&rows, &mut out).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert_eq!(text, format!("{painted}   b\nyy  c\n"));
    }
}

#[cfg(test)]
mod schema_tests {
    use std::path::Path;

    /// Every command with `--json` has a schema in `schemas/` (named after the command;
    /// `hooks install|uninstall|status` share one), and so do the modes of `merge` whose
    /// document has another shape. The test suite validates each document it reads
    /// against its schema (tests/common/schema.rs).
    #[test]
    fn every_json_output_has_a_schema() {
        fn walk(cmd: &clap::Command, top: &str, names: &mut Vec<String>) {
            if cmd.get_arguments().any(|a| a.get_long() == Some("json")) {
                names.push(top.to_owned());
            }
            for sub in cmd.get_subcommands() {
                walk(
                    sub,
                    if top.is_empty() { sub.get_name() } else { top },
                    names,
                );
            }
        }
        let mut names = vec!["merge-dry-run".to_owned(), "merge-abort".to_owned()];
        walk(&crate::cli::command(), "", &mut names);
        let schemas = Path::new(env!("CARGO_MANIFEST_DIR")).join("schemas");
        let missing: Vec<&String> = names
            .iter()
            .filter(|n| !schemas.join(format!("{n}.schema.json")).exists())
            .collect();
        assert!(missing.is_empty(), "no schema in schemas/ for {missing:?}");
    }
}
