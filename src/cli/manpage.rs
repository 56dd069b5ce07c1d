//! `man/git-track.1`, generated from the clap definitions so that the manual and `-h`
//! say the same. The test below fails when the committed page is out of date; refresh it
//! with `UPDATE_MAN=1 cargo test manual_page`.

use clap::Command;
use std::fmt::Write;

/// Sections the clap definitions do not hold.
const TAIL: &str = include_str!("manpage_tail.roff");

fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.split('\n') {
        let line = line.replace('\\', "\\e").replace('-', "\\-");
        if line.starts_with('.') || line.starts_with('\'') {
            out.push_str("\\&");
        }
        out.push_str(&line);
        out.push('\n');
    }
    out.pop();
    out
}

/// Paragraphs of a help text: blank lines separate them.
fn paragraphs(out: &mut String, text: &str) {
    for (i, para) in text.split("\n\n").enumerate() {
        if i > 0 {
            out.push_str(".PP\n");
        }
        let _ = writeln!(out, "{}", esc(para.trim()));
    }
}

fn usage(cmd: &mut Command) -> String {
    let usage = cmd.render_usage().to_string();
    usage.trim().trim_start_matches("Usage:").trim().to_owned()
}

fn options(out: &mut String, cmd: &Command, globals: bool) {
    for arg in cmd
        .get_arguments()
        .filter(|a| !a.is_hide_set() && (globals || !a.is_global_set()))
    {
        let id = arg.get_id().as_str();
        if id == "help" || id == "version" {
            continue;
        }
        let values: Vec<String> = arg
            .get_value_names()
            .map(|v| v.iter().map(|n| format!("<{n}>")).collect())
            .unwrap_or_default();
        let takes_value = arg.get_action().takes_values();
        let mut head = String::new();
        if arg.is_positional() {
            head = format!("\\fI{}\\fR", esc(&values.join(" ")));
        } else {
            let mut names = Vec::new();
            if let Some(s) = arg.get_short() {
                names.push(format!("\\fB\\-{s}\\fR"));
            }
            if let Some(l) = arg.get_long() {
                names.push(format!("\\fB\\-\\-{}\\fR", esc(l)));
            }
            head.push_str(&names.join(", "));
            if takes_value && !values.is_empty() {
                let _ = write!(head, " \\fI{}\\fR", esc(&values.join(" ")));
            }
        }
        let _ = writeln!(out, ".TP\n{head}");
        let help = arg
            .get_long_help()
            .or(arg.get_help())
            .map(|h| h.to_string())
            .unwrap_or_default();
        let mut help = help.trim().to_owned();
        let possible: Vec<String> = arg
            .get_possible_values()
            .iter()
            .map(|p| p.get_name().to_owned())
            .collect();
        if !possible.is_empty() && takes_value {
            let _ = write!(help, " [one of: {}]", possible.join(", "));
        }
        let defaults: Vec<String> = arg
            .get_default_values()
            .iter()
            .map(|d| d.to_string_lossy().into_owned())
            .collect();
        if !defaults.is_empty() && takes_value {
            let _ = write!(help, " [default: {}]", defaults.join(", "));
        }
        let _ = writeln!(out, "{}", esc(&help));
    }
}

pub fn render(mut cmd: Command) -> String {
    cmd.build();
    let version = cmd.get_version().unwrap_or_default().to_owned();
    let mut out = String::new();
    let _ = writeln!(
        out,
        ".TH GIT\\-TRACK 1 \"\" \"git\\-track {}\" \"Git Manual\"",
        esc(&version)
    );
    let about = cmd.get_about().map(|a| a.to_string()).unwrap_or_default();
    let _ = writeln!(
        out,
        ".SH NAME\ngit\\-track \\- {}",
        esc(about.trim_end_matches('.')).to_lowercase()
    );
    let _ = writeln!(out, ".SH SYNOPSIS\n.nf");
    let _ = writeln!(
        out,
        "\\fBgit track\\fR [\\-C \\fI<path>\\fR] \\fI<command>\\fR [\\fI<args>\\fR]"
    );
    for sub in cmd
        .get_subcommands_mut()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let _ = writeln!(out, "{}", esc(&usage(sub)));
    }
    let _ = writeln!(out, ".fi\n.SH DESCRIPTION");
    paragraphs(
        &mut out,
        &cmd.get_long_about().map(|a| a.to_string()).unwrap_or(about),
    );
    let _ = writeln!(out, ".SH OPTIONS");
    options(&mut out, &cmd, true);
    let _ = writeln!(out, ".SH COMMANDS");
    commands(&mut out, &mut cmd);
    out.push_str(TAIL);
    out
}

/// A section per visible subcommand of `cmd`, each followed by its own subcommands'.
fn commands(out: &mut String, cmd: &mut Command) {
    for sub in cmd
        .get_subcommands_mut()
        .filter(|s| !s.is_hide_set() && s.get_name() != "help")
    {
        let _ = writeln!(out, ".SS \"{}\"", esc(&usage(sub)));
        let text = sub
            .get_long_about()
            .or(sub.get_about())
            .map(|a| a.to_string())
            .unwrap_or_default();
        paragraphs(out, &text);
        options(out, sub, false);
        commands(out, sub);
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    #[test]
    fn manual_page_matches_the_command_line_definitions() {
        let page = super::render(crate::cli::command());
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("man/git-track.1");
        if std::env::var_os("UPDATE_MAN").is_some() {
            std::fs::write(&path, &page).expect("write man page");
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == page,
            "man/git-track.1 is out of date: run `UPDATE_MAN=1 cargo test manual_page`"
        );
    }

    /// Every command, subcommand and option, each in the section of its command (the
    /// generator could drop some, and hidden ones must stay out).
    #[test]
    fn manual_page_names_every_command_and_option() {
        fn visible(cmd: &clap::Command, prefix: &str, out: &mut Vec<(String, clap::Command)>) {
            for sub in cmd
                .get_subcommands()
                .filter(|s| !s.is_hide_set() && s.get_name() != "help")
            {
                let label = format!("{prefix} {}", sub.get_name());
                out.push((label.clone(), sub.clone()));
                visible(sub, &label, out);
            }
        }
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("man/git-track.1");
        let page = std::fs::read_to_string(path).unwrap().replace("\\-", "-");
        let mut cli = crate::cli::command();
        cli.build();
        let mut commands = Vec::new();
        visible(&cli, "git track", &mut commands);
        let mut missing = Vec::new();
        for (label, cmd) in &commands {
            let heading = format!(".SS \"{label} ");
            let Some(start) = page.find(&heading) else {
                missing.push(label.clone());
                continue;
            };
            let section = &page[start + heading.len()..];
            let section = &section[..section.find("\n.S").unwrap_or(section.len())];
            // Global options (--color, --quiet, ...) are described once, at the top.
            for arg in cmd
                .get_arguments()
                .filter(|a| !a.is_hide_set() && !a.is_global_set())
            {
                if let Some(long) = arg.get_long()
                    && !["help", "version"].contains(&long)
                    && !section.contains(&format!("--{long}"))
                {
                    missing.push(format!("{label} --{long}"));
                }
            }
        }
        assert!(commands.len() > 15, "{commands:?}");
        assert!(
            missing.is_empty(),
            "missing from man/git-track.1: {missing:?}"
        );
    }
}
