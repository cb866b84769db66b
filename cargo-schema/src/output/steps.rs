//! What `upgrade` and `downgrade` ran, for `--format json`. Their text is
//! the progress on stderr ([`super::run`]), so stdout gets nothing.

use std::io::{self, Write};

use schema_core::migrations::{Direction, Step};
use serde::Serialize;

use super::{TextOptions, View};

/// `upgrade`'s and `downgrade`'s document: `{"steps": [...]}`.
#[derive(Debug, Serialize)]
pub struct StepsView<'a> {
    /// The steps, in the order they ran.
    pub steps: Vec<StepView<'a>>,
}

impl<'a> StepsView<'a> {
    /// The view of `steps`.
    pub fn new(steps: &'a [Step]) -> Self {
        StepsView {
            steps: steps.iter().map(StepView::from).collect(),
        }
    }
}

/// One step that ran.
#[derive(Debug, Serialize)]
pub struct StepView<'a> {
    /// The revision id.
    pub revision: &'a str,
    /// diesel's version.
    pub version: &'a str,
    /// The folder's name.
    pub folder: &'a str,
    /// `up` or `down`.
    pub direction: Way,
}

/// The direction of a step, as JSON spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Way {
    /// Applied.
    Up,
    /// Reverted.
    Down,
}

impl<'a> From<&'a Step> for StepView<'a> {
    fn from(step: &'a Step) -> Self {
        StepView {
            revision: &step.revision,
            version: &step.version,
            folder: &step.folder_name,
            direction: match step.direction {
                Direction::Up => Way::Up,
                Direction::Down => Way::Down,
            },
        }
    }
}

impl View for StepsView<'_> {
    fn text(&self, _out: &mut dyn Write, _opts: TextOptions) -> io::Result<()> {
        Ok(())
    }
}
