//! The one place where command results become text or JSON, and where messages go to
//! stderr in git's style.

use serde::Serialize;
use std::io::{self, Write};

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
        serde_json::to_string_pretty(&self.data)
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
    /// to do about what was just shown, as git places them.
    pub fn emit(&self, json: bool) -> io::Result<()> {
        self.messages_to_stderr(false)?;
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
        self.messages_to_stderr(true)
    }

    /// The body as text, without the messages (for a redrawn screen).
    pub fn write_text(&self, w: &mut dyn Write) -> io::Result<()> {
        match &self.body {
            Some(body) => body.text(w),
            None => Ok(()),
        }
    }

    fn messages_to_stderr(&self, hints: bool) -> io::Result<()> {
        let stderr = io::stderr();
        let mut err = stderr.lock();
        for m in &self.messages {
            match m {
                Message::Warning(s) if !hints => prefixed(&mut err, "warning: ", s)?,
                Message::Info(s) if !hints => writeln!(err, "{s}")?,
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

/// Pads cells to aligned columns; the last column is not padded.
pub fn table(rows: &[Vec<String>], w: &mut dyn Write) -> io::Result<()> {
    let cols = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..cols)
        .map(|c| {
            rows.iter()
                .filter_map(|r| r.get(c))
                .map(|s| s.chars().count())
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
                // Padded by hand: `format!`'s width panics past 65,535 (a huge cell
                // from a hostile definition).
                line.push_str(cell);
                let pad = widths[i].saturating_sub(cell.chars().count()) + 2;
                line.extend(std::iter::repeat_n(' ', pad));
            }
        }
        writeln!(w, "{}", line.trim_end())?;
    }
    Ok(())
}
