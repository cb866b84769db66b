//! The revision graph as a picture: `history --graph` draws it in the
//! terminal with lanes, as `git log --graph` does; `history --format
//! dot|mermaid` writes it for Graphviz and Mermaid.
//!
//! The layout works on revisions in history order (children before
//! parents). Each lane holds the revision it waits for; a revision takes
//! the leftmost lane that waits for it (or the leftmost free one, for a
//! head), the other lanes that waited for it join it on a row above it (a
//! branch point), and a merge point opens a lane for each further parent
//! on a row below it, reusing a lane that already waits for that parent;
//! of a merge's parents, the one drawn soonest keeps the lane.
//! So a picture has as many lanes as edges cross that row, and freed lanes
//! are taken again from the left.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use anstyle::{AnsiColor, Style};

use super::revision::RevisionView;

/// One revision to draw: its parents as indices into the same list (only
/// those drawn; a parent outside a `-r` range ends the lane).
#[derive(Debug, Clone)]
pub struct Node {
    /// Indices of the parents, first parent first.
    pub parents: Vec<usize>,
}

/// One row of the picture: the lanes' glyphs, and the revision it shows
/// (rows that only join or open lanes show none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// Lane glyphs, two columns a lane (the lane, then the gap to its
    /// right), trailing blanks trimmed; box-drawing characters.
    pub cells: String,
    /// The revision on this row.
    pub node: Option<usize>,
}

/// The glyphs a picture is drawn with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Charset {
    /// Box-drawing characters.
    Unicode,
    /// Plain ASCII, for terminals that cannot show the others.
    Ascii,
}

const NODE: char = '●';
const CURRENT: char = '◉';
const LINE: char = '│';

/// Lay out `nodes` (children before parents). `current[i]` marks the
/// revisions the database is at.
pub fn layout(nodes: &[Node], current: &[bool]) -> Vec<Row> {
    let mut lanes: Vec<Option<usize>> = Vec::new();
    let mut rows = Vec::with_capacity(nodes.len() * 2);
    for (i, node) in nodes.iter().enumerate() {
        let waiting: Vec<usize> = (0..lanes.len()).filter(|&l| lanes[l] == Some(i)).collect();
        let col = match waiting.first() {
            Some(&l) => l,
            None => free_lane(&mut lanes, 0),
        };
        if waiting.len() > 1 {
            rows.push(Row {
                cells: connector(&lanes, col, &waiting[1..], &[]),
                node: None,
            });
            for &l in &waiting[1..] {
                lanes[l] = None;
            }
        }
        lanes[col] = Some(i);
        rows.push(Row {
            cells: node_row(&lanes, col, current.get(i).copied().unwrap_or(false)),
            node: Some(i),
        });
        // The parent drawn soonest keeps the lane and later ones open
        // lanes further right: lanes then end in the order they sit, from
        // the left, and a branch rarely has to cross another to rejoin.
        let mut sorted = node.parents.clone();
        sorted.sort_unstable();
        let mut parents = sorted.into_iter();
        lanes[col] = parents.next();
        let mut opened = Vec::new();
        let mut joined = Vec::new();
        for parent in parents {
            match lanes.iter().position(|&w| w == Some(parent)) {
                Some(l) if l != col => joined.push(l),
                Some(_) => {}
                None => {
                    let l = free_lane(&mut lanes, col + 1);
                    lanes[l] = Some(parent);
                    opened.push(l);
                }
            }
        }
        if !opened.is_empty() || !joined.is_empty() {
            rows.push(Row {
                cells: connector(&lanes, col, &joined, &opened),
                node: None,
            });
        }
        while lanes.last() == Some(&None) {
            lanes.pop();
        }
    }
    rows
}

/// The leftmost free lane at or right of `from`, added when there is none.
fn free_lane(lanes: &mut Vec<Option<usize>>, from: usize) -> usize {
    match (from..lanes.len()).find(|&l| lanes[l].is_none()) {
        Some(l) => l,
        None => {
            lanes.resize(lanes.len().max(from) + 1, None);
            lanes.len() - 1
        }
    }
}

/// The lanes as they continue down, two columns a lane.
fn verticals(lanes: &[Option<usize>]) -> Vec<char> {
    let mut cells = vec![' '; lanes.len() * 2];
    for (l, waits) in lanes.iter().enumerate() {
        if waits.is_some() {
            cells[2 * l] = LINE;
        }
    }
    cells
}

fn trimmed(cells: Vec<char>) -> String {
    let s: String = cells.into_iter().collect();
    s.trim_end().to_owned()
}

fn node_row(lanes: &[Option<usize>], col: usize, current: bool) -> String {
    let mut cells = verticals(lanes);
    cells[2 * col] = if current { CURRENT } else { NODE };
    trimmed(cells)
}

/// A row of horizontal links from lane `col`: `joined` lanes that carry on
/// from it (existing lanes, which keep their vertical), and `opened` lanes
/// that start here (their vertical starts below). A lane merging into
/// `col` from the right is drawn as an existing lane that ends (`╯`).
fn connector(lanes: &[Option<usize>], col: usize, joined: &[usize], opened: &[usize]) -> String {
    let mut cells = verticals(lanes);
    let ends: Vec<usize> = joined.iter().chain(opened).copied().collect();
    let lo = ends.iter().copied().chain([col]).min().unwrap_or(col);
    let hi = ends.iter().copied().chain([col]).max().unwrap_or(col);
    for (x, cell) in cells.iter_mut().enumerate().take(2 * hi + 1).skip(2 * lo) {
        // Gaps and the lanes passed over: a link, or a crossing where a
        // lane goes on vertically.
        if x / 2 != col || x % 2 == 1 {
            *cell = if x % 2 == 0 && *cell == LINE {
                '┼'
            } else {
                '─'
            };
        }
    }
    cells[2 * col] = match (lo < col, hi > col) {
        (true, true) => '┼',
        (true, false) => '┤',
        _ => '├',
    };
    for &l in opened {
        cells[2 * l] = if l == hi { '╮' } else { '┬' };
    }
    for &l in joined {
        // A lane that waited for the revision below ends here, merging in;
        // a lane that waits for a parent this merge shares carries on.
        let ends_here = lanes[l].is_none() || lanes[l] == lanes.get(col).copied().flatten();
        cells[2 * l] = match (l > col, l == hi || l == lo, ends_here) {
            (true, true, true) => '╯',
            (true, false, true) => '┴',
            (true, true, false) => '┤',
            (false, true, false) => '├',
            (false, true, true) => '╰',
            _ => '┼',
        };
    }
    trimmed(cells)
}

/// `cells` in the charset asked for.
pub fn glyphs(cells: &str, charset: Charset) -> String {
    match charset {
        Charset::Unicode => cells.to_owned(),
        Charset::Ascii => cells
            .chars()
            .map(|c| match c {
                '│' | '├' | '┤' => '|',
                '─' => '-',
                '┼' => '+',
                '╯' | '╰' | '┴' => '\'',
                '╮' | '┬' => '.',
                '●' => '*',
                '◉' => '@',
                other => other,
            })
            .collect(),
    }
}

/// The widest row, in lanes: what a reader must follow at once.
pub fn lane_count(rows: &[Row]) -> usize {
    rows.iter()
        .map(|r| r.cells.chars().count().div_ceil(2))
        .max()
        .unwrap_or(0)
}

/// Styles of the text picture; plain when colour is off.
#[derive(Debug, Clone, Copy, Default)]
pub struct Palette {
    /// The revision id.
    pub id: Style,
    /// `(head)`.
    pub head: Style,
    /// Branch labels.
    pub label: Style,
    /// `(current)` and its node.
    pub current: Style,
    /// `depends on ...`.
    pub depends: Style,
}

impl Palette {
    /// Colours as a terminal shows them.
    pub fn coloured() -> Self {
        Palette {
            id: AnsiColor::Yellow.on_default(),
            head: AnsiColor::Green.on_default().bold(),
            label: AnsiColor::Cyan.on_default(),
            current: AnsiColor::Magenta.on_default().bold(),
            depends: Style::new().dimmed(),
        }
    }
}

/// `text` in `style` (nothing added for the plain style).
pub fn paint(style: Style, text: &str) -> String {
    if style == Style::new() {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len() + 12);
    let _ = write!(out, "{}{text}{}", style.render(), style.render_reset());
    out
}

/// A string as a double-quoted Graphviz ID.
pub fn dot_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A string as the text of a quoted Mermaid label: quotes, angle brackets
/// and other markup as Mermaid's entity codes, so a message cannot close
/// the label or inject markup.
pub fn mermaid_text(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' => out.push_str("#quot;"),
            '<' => out.push_str("#lt;"),
            '>' => out.push_str("#gt;"),
            '#' => out.push_str("#35;"),
            '&' => out.push_str("#amp;"),
            '`' => out.push_str("#96;"),
            c if c.is_control() => out.push(' '),
            c => out.push(c),
        }
    }
    out
}

/// Text from outside (ids, labels, messages) as one row of a picture:
/// control characters, line breaks and bidirectional overrides escaped, so
/// a name can neither break the row nor move the cursor, recolour the
/// screen or reorder what is shown.
pub fn terminal_safe(text: &str) -> String {
    schema_core::text::escape_controls(text).into_owned()
}

/// `history --graph` and `--format dot|mermaid`: the revisions of a
/// history listing (newest first) with their edges resolved to positions.
pub struct GraphView<'g> {
    revisions: Vec<RevisionView<'g>>,
    nodes: Vec<Node>,
    depends: Vec<Vec<usize>>,
    /// For a fleet: the databases at each revision, and whether to name
    /// them (`-v`) or count them.
    databases: Option<(HashMap<String, Vec<String>>, bool)>,
}

impl<'g> GraphView<'g> {
    /// The picture of `revisions` (children before parents); `resolve`
    /// turns a `depends_on` entry (an id, a prefix or a label) into the
    /// revision id it names.
    pub fn new(
        revisions: Vec<RevisionView<'g>>,
        resolve: impl Fn(&str) -> Option<&'g str>,
    ) -> Self {
        let at: HashMap<&str, usize> = revisions
            .iter()
            .enumerate()
            .map(|(i, r)| (r.revision, i))
            .collect();
        let nodes = revisions
            .iter()
            .map(|r| Node {
                parents: r
                    .down_revisions
                    .iter()
                    .filter_map(|p| at.get(p.as_str()).copied())
                    .collect(),
            })
            .collect();
        let depends = revisions
            .iter()
            .map(|r| {
                r.depends_on
                    .iter()
                    .filter_map(|d| resolve(d).and_then(|id| at.get(id).copied()))
                    .collect()
            })
            .collect();
        GraphView {
            revisions,
            nodes,
            depends,
            databases: None,
        }
    }

    /// Mark each revision with the databases of a fleet that are at it:
    /// their count, or with `names` their names.
    pub fn with_databases(mut self, at: HashMap<String, Vec<String>>, names: bool) -> Self {
        self.databases = Some((at, names));
        self
    }

    /// `(current)`, or for a fleet `(current: 3 databases)` /
    /// `(current: a, b)`; `None` where no database is at the revision.
    fn current_mark(&self, r: &RevisionView<'_>) -> Option<String> {
        match &self.databases {
            None => r.is_current.then(|| "(current)".to_owned()),
            Some((at, names)) => {
                let dbs = at.get(r.revision)?;
                Some(match (names, dbs.len()) {
                    (true, _) => format!("(current: {})", dbs.join(", ")),
                    (false, 1) => "(current: 1 database)".to_owned(),
                    (false, n) => format!("(current: {n} databases)"),
                })
            }
        }
    }

    /// The lanes, for tests and measurements.
    pub fn rows(&self) -> Vec<Row> {
        let current: Vec<bool> = self.revisions.iter().map(|r| r.is_current).collect();
        layout(&self.nodes, &current)
    }

    /// The terminal picture: one revision a row, lanes on the left.
    pub fn text(&self, out: &mut dyn Write, charset: Charset, palette: Palette) -> io::Result<()> {
        for row in self.rows() {
            let cells = glyphs(&row.cells, charset);
            let Some(i) = row.node else {
                writeln!(out, "{cells}")?;
                continue;
            };
            let r = &self.revisions[i];
            // The node glyph of a current revision in its colour.
            let cells = if r.is_current {
                let mark = glyphs(&CURRENT.to_string(), charset);
                cells.replacen(&mark, &paint(palette.current, &mark), 1)
            } else {
                cells
            };
            let mut line = format!("{cells} {}", paint(palette.id, &terminal_safe(r.revision)));
            for (mark, style) in self.marks(r, palette) {
                line.push_str(&format!(" {}", paint(style, &terminal_safe(&mark))));
            }
            line.push_str(&format!(", {}", terminal_safe(r.message())));
            if !r.depends_on.is_empty() {
                let arrow = match charset {
                    Charset::Unicode => "⇢",
                    Charset::Ascii => "->",
                };
                let deps = terminal_safe(&r.depends_on.join(", "));
                line.push_str(&format!(
                    " {}",
                    paint(palette.depends, &format!("{arrow} depends on {deps}"))
                ));
            }
            writeln!(out, "{line}")?;
        }
        Ok(())
    }

    /// What follows a revision's id: its labels, `(head)`, where the
    /// database is, `(branchpoint)`, `(mergepoint)`; each with its style
    /// in `palette`.
    fn marks(&self, r: &RevisionView<'_>, palette: Palette) -> Vec<(String, Style)> {
        let mut marks = Vec::new();
        if !r.branch_labels.is_empty() {
            marks.push((format!("({})", r.branch_labels.join(", ")), palette.label));
        }
        if r.is_head {
            marks.push(("(head)".to_owned(), palette.head));
        }
        if let Some(mark) = self.current_mark(r) {
            marks.push((mark, palette.current));
        }
        if r.children.len() > 1 {
            marks.push(("(branchpoint)".to_owned(), Style::new()));
        }
        if r.down_revisions.len() > 1 {
            marks.push(("(mergepoint)".to_owned(), Style::new()));
        }
        marks
    }

    /// A node's label for dot and Mermaid: the id with its marks, and the
    /// message.
    fn label(&self, r: &RevisionView<'_>) -> (String, String) {
        let mut head = r.revision.to_owned();
        for (mark, _) in self.marks(r, Palette::default()) {
            head.push(' ');
            head.push_str(&mark);
        }
        (head, r.message().to_owned())
    }

    /// A Graphviz digraph: an edge from each revision to its parents,
    /// dashed ones to what it depends on; heads bold and green, current
    /// revisions filled, merge and branch points named in their labels.
    pub fn dot(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "digraph revisions {{")?;
        writeln!(out, "  rankdir=TB;")?;
        writeln!(
            out,
            "  node [shape=box, style=rounded, fontname=\"monospace\"];"
        )?;
        for r in &self.revisions {
            let (head, message) = self.label(r);
            let mut attrs = format!("label={}", dot_string(&format!("{head}\n{message}")));
            let mut style = vec!["rounded"];
            if r.is_head {
                attrs.push_str(", color=\"#2b8a3e\", penwidth=2");
                style.push("bold");
            }
            if r.is_current {
                attrs.push_str(", fillcolor=\"#f3d9fa\"");
                style.push("filled");
            }
            if r.down_revisions.len() > 1 {
                attrs.push_str(", shape=hexagon");
            }
            writeln!(
                out,
                "  {} [{attrs}, style=\"{}\"];",
                dot_string(r.revision),
                style.join(",")
            )?;
        }
        for (i, node) in self.nodes.iter().enumerate() {
            for &p in &node.parents {
                writeln!(
                    out,
                    "  {} -> {};",
                    dot_string(self.revisions[i].revision),
                    dot_string(self.revisions[p].revision)
                )?;
            }
            for &d in &self.depends[i] {
                writeln!(
                    out,
                    "  {} -> {} [style=dashed, label=\"depends on\"];",
                    dot_string(self.revisions[i].revision),
                    dot_string(self.revisions[d].revision)
                )?;
            }
        }
        writeln!(out, "}}")
    }

    /// A Mermaid flowchart, newest at the top, as GitHub and mdBook render
    /// it; node names are positions (`r0`, `r1`, ...), so no id can break
    /// the syntax, and labels are escaped.
    pub fn mermaid(&self, out: &mut dyn Write) -> io::Result<()> {
        writeln!(out, "flowchart TB")?;
        for (i, r) in self.revisions.iter().enumerate() {
            let (head, message) = self.label(r);
            let shape = if r.down_revisions.len() > 1 {
                ("{{\"", "\"}}")
            } else {
                ("[\"", "\"]")
            };
            writeln!(
                out,
                "  r{i}{}{}<br>{}{}",
                shape.0,
                mermaid_text(&head),
                mermaid_text(&message),
                shape.1
            )?;
        }
        for (i, node) in self.nodes.iter().enumerate() {
            for &p in &node.parents {
                writeln!(out, "  r{i} --> r{p}")?;
            }
            for &d in &self.depends[i] {
                writeln!(out, "  r{i} -.->|depends on| r{d}")?;
            }
        }
        writeln!(out, "  classDef head stroke:#2b8a3e,stroke-width:3px")?;
        writeln!(out, "  classDef current fill:#f3d9fa")?;
        for (class, pick) in [
            (
                "head",
                &(|r: &RevisionView<'_>| r.is_head) as &dyn Fn(&RevisionView<'_>) -> bool,
            ),
            ("current", &|r: &RevisionView<'_>| r.is_current),
        ] {
            let members: Vec<String> = self
                .revisions
                .iter()
                .enumerate()
                .filter(|(_, r)| pick(r))
                .map(|(i, _)| format!("r{i}"))
                .collect();
            if !members.is_empty() {
                writeln!(out, "  class {} {class}", members.join(","))?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draw(parents: &[&[usize]]) -> String {
        let nodes: Vec<Node> = parents
            .iter()
            .map(|p| Node {
                parents: p.to_vec(),
            })
            .collect();
        layout(&nodes, &[])
            .iter()
            .map(|r| match r.node {
                Some(i) => format!("{} {i}", r.cells),
                None => r.cells.clone(),
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn a_line_is_one_lane() {
        assert_eq!(draw(&[&[1], &[2], &[]]), "● 0\n● 1\n● 2");
    }

    #[test]
    fn a_branch_and_its_merge() {
        // 0 merges 1 and 2, both children of 3.
        assert_eq!(
            draw(&[&[1, 2], &[3], &[3], &[]]),
            "● 0\n├─╮\n● │ 1\n│ ● 2\n├─╯\n● 3"
        );
    }

    #[test]
    fn two_heads_over_one_base() {
        assert_eq!(draw(&[&[2], &[2], &[]]), "● 0\n│ ● 1\n├─╯\n● 2");
    }

    #[test]
    fn a_three_way_merge() {
        assert_eq!(
            draw(&[&[1, 2, 3], &[4], &[4], &[4], &[]]),
            "● 0\n├─┬─╮\n● │ │ 1\n│ ● │ 2\n│ │ ● 3\n├─┴─╯\n● 4"
        );
    }

    #[test]
    fn two_bases() {
        assert_eq!(draw(&[&[1, 2], &[], &[]]), "● 0\n├─╮\n● │ 1\n  ● 2");
    }

    #[test]
    fn a_freed_lane_is_taken_again_from_the_left() {
        // Heads 0 and 1; 0's line ends at base 2; head 3 takes lane 0.
        let rows = layout(
            &[
                Node { parents: vec![2] },
                Node { parents: vec![4] },
                Node { parents: vec![] },
                Node { parents: vec![4] },
                Node { parents: vec![] },
            ],
            &[],
        );
        assert_eq!(lane_count(&rows), 2);
    }

    #[test]
    fn ascii_keeps_the_shape() {
        let rows = layout(
            &[
                Node {
                    parents: vec![1, 2],
                },
                Node { parents: vec![3] },
                Node { parents: vec![3] },
                Node { parents: vec![] },
            ],
            &[false, false, true, false],
        );
        let text: Vec<String> = rows
            .iter()
            .map(|r| glyphs(&r.cells, Charset::Ascii))
            .collect();
        assert_eq!(text, ["*", "|-.", "* |", "| @", "|-'", "*"]);
    }

    #[test]
    fn outside_text_is_quoted() {
        assert_eq!(dot_string("a\"b\\c\nd"), "\"a\\\"b\\\\c\\nd\"");
        assert_eq!(
            mermaid_text("x\"]; click A <b>"),
            "x#quot;]; click A #lt;b#gt;"
        );
    }
}
