//! The filters `list` and `status` share.

use git_track::track::{Filter, Kind, Status};

#[derive(clap::Args, Default)]
pub struct FilterArgs {
    /// Only tracks with this status (repeatable; any of them)
    #[arg(long, value_name = "status", value_parser = clap::builder::PossibleValuesParser::new(Status::ALL))]
    status: Vec<String>,
    /// Only tracks of this kind (repeatable)
    #[arg(long, value_name = "kind", value_parser = clap::builder::PossibleValuesParser::new(Kind::ALL))]
    kind: Vec<String>,
    /// Only tracks of this owner (repeatable)
    #[arg(long, value_name = "who")]
    owner: Vec<String>,
    /// Only the tracks of this experiment (repeatable)
    #[arg(long, value_name = "group")]
    experiment: Vec<String>,
}

impl FilterArgs {
    pub fn filter(&self) -> anyhow::Result<Filter> {
        Ok(Filter {
            status: parse_all(&self.status)?,
            kind: parse_all(&self.kind)?,
            owner: self.owner.clone(),
            experiment: self.experiment.clone(),
        })
    }
}

fn parse_all<T: std::str::FromStr<Err = String>>(v: &[String]) -> anyhow::Result<Vec<T>> {
    v.iter()
        .map(|s| s.parse().map_err(anyhow::Error::msg))
        .collect()
}
