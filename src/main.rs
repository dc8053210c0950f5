//! The `assure` command line: parses arguments, runs the library, maps outcomes to exit
//! codes (0 success; 1 content problems; 2 usage or I/O failure — SPEC §8).

use anyhow::Result;
use assure::commands::status;
use assure::config::INTERNAL;
use assure::date::Date;
use assure::pipeline;
use assure::{errln, out, outln};
use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;
use std::process::ExitCode;

/// See Cargo.toml: many small allocations on several threads.
#[global_allocator]
static ALLOC: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(
    name = "assure",
    version,
    about = "Checks improvement evidence and builds an offline evidence site and PDF packs.",
    after_help = "New here? `assure init` writes a starter content folder; then `assure serve` shows it as a site while you edit.\nOutput: what a command was asked for goes to stdout (check's report, status, the files built); problems met along the way go to stderr."
)]
struct Cli {
    /// None: `assure` alone, which opens the site for editing (SPEC §14.11).
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Args)]
struct ContentArgs {
    /// The content folder.
    #[arg(long, default_value = "content")]
    content: PathBuf,
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    /// One line per problem, for people.
    Human,
    /// One JSON object per line, for other programs.
    Json,
}

// Parsed once per run: the size of `New` with its field options costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Check the content and report every problem with file and line.
    Check {
        #[command(flatten)]
        content: ContentArgs,
        /// Readiness date (YYYY-MM-DD); default: `as_of` in site.yaml, else today.
        #[arg(long, value_parser = parse_date)]
        as_of: Option<Date>,
        /// Treat warnings as failures (exit code 1).
        #[arg(long)]
        strict: bool,
        /// Compute readiness for this audience (default: internal).
        #[arg(long)]
        audience: Option<String>,
        /// How to print the problems.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Write a starter content folder (one record of each type, linked) to begin with.
    Init {
        /// The folder to create; it must be new or empty.
        #[arg(default_value = "content")]
        dir: PathBuf,
    },
    /// Check the content, then build the evidence website and data exports.
    Build {
        #[command(flatten)]
        content: ContentArgs,
        /// The output folder (replaced as a whole, only when the build succeeds).
        #[arg(long, default_value = "output")]
        output: PathBuf,
        /// Build the site for this audience (default: `site_audience` in site.yaml).
        #[arg(long)]
        audience: Option<String>,
        /// Skip the PDF packs.
        #[arg(long)]
        no_pdf: bool,
        /// Readiness date (YYYY-MM-DD); default: `as_of` in site.yaml, else today.
        #[arg(long, value_parser = parse_date)]
        as_of: Option<Date>,
        /// Treat warnings as failures: nothing is built.
        #[arg(long)]
        strict: bool,
        /// A theme folder whose templates and static files override the default theme.
        #[arg(long)]
        theme: Option<PathBuf>,
        /// An earlier output folder (or its data/records.json) to show what changed since;
        /// repeat it for several, oldest first (default: `baselines:` in site.yaml).
        #[arg(long, value_name = "PATH")]
        since: Vec<PathBuf>,
        /// The packs' issue date (YYYY-MM-DD); default: `issued` in site.yaml, else the readiness date.
        #[arg(long, value_parser = parse_date)]
        issued: Option<Date>,
    },
    /// Keep what the content says now as a named baseline in content/_baselines/, so
    /// later builds say what changed since then.
    Baseline {
        /// What it was, such as "Monitoring visit, 19 November 2025".
        label: String,
        #[command(flatten)]
        content: ContentArgs,
        /// The audience it is for (default: `site_audience` in site.yaml).
        #[arg(long)]
        audience: Option<String>,
        /// Readiness date (YYYY-MM-DD); default: `as_of` in site.yaml, else today.
        #[arg(long, value_parser = parse_date)]
        as_of: Option<Date>,
    },
    /// Show what changed between two outputs (folders or their data/records.json).
    Diff {
        /// The earlier output.
        old: PathBuf,
        /// The later output.
        new: PathBuf,
        /// Text for people, or one JSON object for other programs.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Write the named PDF packs into OUTPUT/pdf/ (and update the manifest).
    Pack {
        /// Pack IDs from site.yaml.
        #[arg(required = true)]
        ids: Vec<String>,
        #[command(flatten)]
        content: ContentArgs,
        /// The output folder whose pdf/ folder receives the packs.
        #[arg(long, default_value = "output")]
        output: PathBuf,
        /// Accepted for symmetry with `build`; packs use the embedded fonts.
        #[arg(long)]
        theme: Option<PathBuf>,
        /// The packs' issue date (YYYY-MM-DD); default: `issued` in site.yaml, else the readiness date.
        #[arg(long, value_parser = parse_date)]
        issued: Option<Date>,
    },
    /// Record the SHA-256 of evidence files in their `sha256:` field.
    Lock {
        /// Evidence IDs (default: every evidence file without a recorded hash).
        ids: Vec<String>,
        /// Who signed the evidence off: writes `signed_off: {by, on}` with the hash.
        #[arg(long)]
        by: Option<String>,
        /// The day it was signed off (YYYY-MM-DD; default: today). Needs `--by`.
        #[arg(long, value_parser = parse_date, requires = "by")]
        on: Option<Date>,
        #[command(flatten)]
        content: ContentArgs,
    },
    /// Start a new record file that passes `check`, with an ID made from what it is.
    New {
        /// plan, recommendation, action, evidence, review, event or page.
        #[arg(value_name = "TYPE")]
        rtype: String,
        /// The record's title (in quotes when it has spaces).
        title: String,
        /// Use this ID instead of the one made for the record (IDs are permanent).
        #[arg(long)]
        id: Option<String>,
        /// For a recommendation: the ID of the review it comes from (required).
        #[arg(long, value_name = "REVIEW")]
        source: Option<String>,
        /// The record's date (YYYY-MM-DD); default today for evidence, reviews and events. A review's ID is made from its kind and this date (`ofsted-2026`, `monitoring-visit-2026-03`).
        #[arg(long, value_parser = parse_date)]
        date: Option<Date>,
        #[command(flatten)]
        fields: NewFields,
        #[command(flatten)]
        content: ContentArgs,
    },
    /// Serve the site at http://127.0.0.1:PORT/, rebuilding and reloading open pages on every change.
    Serve {
        #[command(flatten)]
        content: ContentArgs,
        /// The port to listen on (0: any free port).
        #[arg(long, default_value_t = 1111)]
        port: u16,
        /// A theme folder whose templates and static files override the default theme.
        #[arg(long)]
        theme: Option<PathBuf>,
        /// Serve the site for this audience (default: `site_audience` in site.yaml).
        #[arg(long)]
        audience: Option<String>,
        /// Readiness date (YYYY-MM-DD); default: `as_of` in site.yaml, else today.
        #[arg(long, value_parser = parse_date)]
        as_of: Option<Date>,
        /// Turn editing in the browser off.
        #[arg(long)]
        read_only: bool,
        /// The largest upload the editor accepts, in MiB.
        #[arg(long, default_value_t = 100, value_name = "MIB")]
        max_upload: u64,
    },
    /// Import a tracker (.xlsx, .xls, .ods or .csv) as one list file of records, or (--update) bring edits made in Assure's own tracker back into the records.
    Import(ImportArgs),
    /// Show readiness, counts by status and the gap lists.
    Status {
        #[command(flatten)]
        content: ContentArgs,
        /// Readiness date (YYYY-MM-DD); default: `as_of` in site.yaml, else today.
        #[arg(long, value_parser = parse_date)]
        as_of: Option<Date>,
        /// Compute readiness for this audience (default: internal).
        #[arg(long)]
        audience: Option<String>,
        /// Text for people, or one JSON object for other programs.
        #[arg(long, value_enum, default_value = "human")]
        format: Format,
    },
    /// Internal: parses a workbook from standard input for `import`, in a process of its
    /// own with limits (see `assure::import::contain`).
    #[command(name = "__read-workbook", hide = true)]
    ReadWorkbook {
        /// Every sheet, hidden ones too (`import --update`).
        #[arg(long)]
        all: bool,
        kind: String,
        shown: String,
        sheet: Option<String>,
    },
}

/// `assure import` (SPEC §13.4).
#[derive(Args)]
struct ImportArgs {
    /// The spreadsheet or CSV file.
    file: PathBuf,
    /// What its rows are: action, recommendation or evidence.
    #[arg(long = "type", value_name = "TYPE", required_unless_present = "update")]
    rtype: Option<String>,
    /// The sheet to read (default: the first visible one).
    #[arg(long, conflicts_with = "update")]
    sheet: Option<String>,
    /// A YAML mapping of column header → field (or `body`, or `skip`).
    #[arg(long, conflicts_with = "update")]
    map: Option<PathBuf>,
    #[command(flatten)]
    content: ContentArgs,
    /// Print the report and the list file; write nothing.
    #[arg(long, conflicts_with = "update")]
    dry_run: bool,
    /// Make the Evidence column's items draft evidence records (in a second list file,
    /// under evidence/) that support the row's record.
    #[arg(long, conflicts_with = "update")]
    evidence_records: bool,
    /// Bring back edits made in Assure's own tracker (data/tracker.xlsx): status, RAG,
    /// owner, due and progress update. Says what it would change; writes nothing
    /// without --apply.
    #[arg(long, conflicts_with = "rtype")]
    update: bool,
    /// With --update: make the changes (only the fields edited change).
    #[arg(long, requires = "update")]
    apply: bool,
}

fn import(args: ImportArgs) -> Result<ExitCode> {
    if args.update {
        let done = assure::import::update::run(&assure::import::update::Options {
            file: args.file,
            content: args.content.content,
            apply: args.apply,
        })?;
        out!("{}", done.report);
        // Problems (cells that cannot be read, rows refused) are content problems: 1.
        return Ok(exit(done.problems > 0));
    }
    let done = assure::commands::import::run(&assure::commands::import::ImportOptions {
        file: args.file,
        rtype: args.rtype.unwrap_or_default(),
        sheet: args.sheet,
        map: args.map,
        content: args.content.content,
        dry_run: args.dry_run,
        evidence_records: args.evidence_records,
    })?;
    out!("{}", done.report);
    if done.written.is_none() {
        out!("{}", done.yaml);
    }
    Ok(ExitCode::SUCCESS)
}

/// Fields `assure new` can fill in, each checked as `check` would (IDs that exist,
/// dates, known values).
#[derive(clap::Args, Debug, Default)]
struct NewFields {
    /// The person or role accountable.
    #[arg(long)]
    owner: Option<String>,
    /// For an action or recommendation: when it is due (YYYY-MM-DD, YYYY-MM or YYYY).
    #[arg(long)]
    due: Option<String>,
    /// For an action: the recommendations it answers, IDs separated by commas.
    #[arg(long, value_name = "IDS")]
    addresses: Option<String>,
    /// For an action: the plan it belongs to.
    #[arg(long, value_name = "PLAN")]
    plan: Option<String>,
    /// For an action: the plan objective it serves.
    #[arg(long, value_name = "OBJECTIVE")]
    objective: Option<String>,
    /// For evidence: what it proves, IDs of recommendations, actions, objectives or plans separated by commas.
    #[arg(long, value_name = "IDS")]
    supports: Option<String>,
    /// For a review, evidence or event: its kind (a review's is read from its title when not given).
    #[arg(long)]
    kind: Option<String>,
    /// For a recommendation: immediate, high, medium or low.
    #[arg(long)]
    priority: Option<String>,
    /// For an event: the records it concerns, IDs separated by commas.
    #[arg(long, value_name = "IDS")]
    refs: Option<String>,
}

impl NewFields {
    fn given(self) -> Vec<(&'static str, String)> {
        [
            ("owner", self.owner),
            ("due", self.due),
            ("addresses", self.addresses),
            ("plan", self.plan),
            ("objective", self.objective),
            ("supports", self.supports),
            ("kind", self.kind),
            ("priority", self.priority),
            ("refs", self.refs),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.map(|v| (name, v)))
        .collect()
    }
}

fn parse_date(text: &str) -> Result<Date, String> {
    Date::parse_full(text).ok_or_else(|| format!("`{text}` is not a full date: write YYYY-MM-DD"))
}

/// The port `assure` alone serves on when it is free (`serve`'s default), else any.
const HERE_PORT: u16 = 1111;

/// Set (to anything) to keep `assure` alone from opening a browser: tests, and machines
/// with no desktop.
const NO_BROWSER: &str = "ASSURE_NO_BROWSER";

/// `assure` with no command (SPEC §14.11), as a double-click runs it: in a folder that
/// holds `content/`, serve it and open the browser at it; elsewhere, say how to start.
fn open_here() -> Result<ExitCode> {
    let content = PathBuf::from("content");
    if !content.is_dir() {
        let here = std::env::current_dir()
            .map(|d| d.display().to_string())
            .unwrap_or_else(|_| ".".into());
        eprintln!(
            "There is no content/ folder in {here}, so there is nothing to show yet.\n\
             To start one here, run `assure init`; then run `assure` again to see it as a site in your browser.\n\
             If your content is elsewhere, go to the folder that holds it first. `assure --help` lists every command."
        );
        return Ok(ExitCode::from(2));
    }
    // Another `assure` may already serve on the usual port: then any free one will do.
    let port = if std::net::TcpListener::bind(("127.0.0.1", HERE_PORT)).is_ok() {
        HERE_PORT
    } else {
        0
    };
    assure::serve::serve(&assure::serve::ServeOptions {
        content,
        port,
        theme: None,
        audience: None,
        as_of: None,
        open_browser: std::env::var_os(NO_BROWSER).is_none(),
        read_only: false,
        max_upload: 100 * 1024 * 1024,
    })?;
    Ok(ExitCode::SUCCESS)
}

// Long: one flat match over the commands, each arm unpacking a command's arguments for
// the function that runs it; split further it would only hide which command runs what.
fn run(cli: Cli) -> Result<ExitCode> {
    let Some(command) = cli.command else {
        return open_here();
    };
    match command {
        Command::Import(args) => import(args),
        Command::ReadWorkbook {
            all,
            kind,
            shown,
            sheet,
        } => {
            let code = assure::import::contain::child(&kind, &shown, sheet.as_deref(), all);
            Ok(ExitCode::from(u8::try_from(code).unwrap_or(2)))
        }
        Command::Check {
            content,
            as_of,
            strict,
            audience,
            format,
        } => check(&content, as_of, strict, audience, format),
        Command::Build {
            content,
            output,
            audience,
            no_pdf,
            as_of,
            strict,
            theme,
            since,
            issued,
        } => build(&assure::commands::build::BuildOptions {
            content: content.content,
            output,
            audience,
            as_of,
            strict,
            no_pdf,
            theme,
            since,
            issued,
        }),
        Command::Baseline {
            label,
            content,
            audience,
            as_of,
        } => baseline(label, &content, audience, as_of),
        Command::Diff { old, new, format } => {
            let changes = assure::commands::diff::diff(&old, &new)?;
            match format {
                Format::Human => out!("{}", assure::commands::diff::human(&changes)),
                Format::Json => outln!("{:#}", changes.to_json()),
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Pack {
            ids,
            content,
            output,
            theme: _,
            issued,
        } => pack(ids, &content, output, issued),
        Command::Lock {
            ids,
            by,
            on,
            content,
        } => lock(&ids, by, on, &content),
        Command::New {
            rtype,
            title,
            id,
            source,
            date,
            fields,
            content,
        } => new(&rtype, &title, id, source, date, fields, &content),
        Command::Init { dir } => init(&dir),
        Command::Serve {
            content,
            port,
            theme,
            audience,
            as_of,
            read_only,
            max_upload,
        } => {
            assure::serve::serve(&assure::serve::ServeOptions {
                content: content.content,
                port,
                theme,
                audience,
                as_of,
                open_browser: false,
                read_only,
                max_upload: max_upload.saturating_mul(1024 * 1024),
            })?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Status {
            content,
            as_of,
            audience,
            format,
        } => report_status(&content, as_of, audience, format),
    }
}

/// `assure check`: every diagnostic, then a summary line with readiness.
fn check(
    content: &ContentArgs,
    as_of: Option<Date>,
    strict: bool,
    audience: Option<String>,
    format: Format,
) -> Result<ExitCode> {
    let checked = pipeline::check(&content.content, as_of)?;
    if let Some(a) = &audience {
        pipeline::known_audience(&checked.site.config, a).map_err(anyhow::Error::msg)?;
    }
    let prefix = content.content.to_string_lossy();
    let mut out = String::new();
    for d in &checked.diagnostics.items {
        out.push_str(&match format {
            Format::Human => d.human(&prefix),
            Format::Json => d.json(&prefix),
        });
        out.push('\n');
    }
    out!("{out}");
    let records = checked.site.records.len();
    let readiness = if checked.diagnostics.errors() > 0 {
        "readiness is not computed while the content has errors".to_string()
    } else {
        let r = pipeline::readiness(&checked, audience.as_deref().unwrap_or(INTERNAL));
        format!(
            "readiness: {} as of {}",
            assure::present::readiness_sentence(&r),
            checked.as_of
        )
    };
    let summary = format!(
        "checked {records} record{} in {prefix}: {}; {readiness}",
        if records == 1 { "" } else { "s" },
        checked.diagnostics.summary(),
    );
    // The summary is part of the report (`assure check > problems.txt` keeps
    // it), except in JSON, where stdout holds only diagnostic objects.
    match format {
        Format::Human => outln!("{summary}"),
        Format::Json => errln!("{summary}"),
    }
    Ok(exit(checked.diagnostics.fail(strict)))
}

/// `assure build`: the site, data and packs, or nothing when the content fails.
fn build(opts: &assure::commands::build::BuildOptions) -> Result<ExitCode> {
    let started = std::time::Instant::now();
    let built = assure::commands::build::build(opts)?;
    let prefix = opts.content.to_string_lossy();
    for d in &built.checked.diagnostics.items {
        errln!("{}", d.human(&prefix));
    }
    let output = &opts.output;
    if built.failed {
        errln!(
            "{}: nothing was built; `{}` is unchanged",
            built.checked.diagnostics.summary(),
            output.display()
        );
        return Ok(ExitCode::from(1));
    }
    outln!(
        "built {} pages into {} in {:.2} s ({}); readiness: {}",
        built.pages,
        output.join("site").display(),
        started.elapsed().as_secs_f64(),
        built.checked.diagnostics.summary(),
        built.readiness
    );
    out!("{}", assure::commands::build::summary(&built, output));
    Ok(ExitCode::SUCCESS)
}

/// `assure baseline`: records the content as it is now under a label.
fn baseline(
    label: String,
    content: &ContentArgs,
    audience: Option<String>,
    as_of: Option<Date>,
) -> Result<ExitCode> {
    let (path, checked) =
        assure::commands::baseline::baseline(&assure::commands::baseline::BaselineOptions {
            content: content.content.clone(),
            label: label.clone(),
            audience,
            as_of,
        })?;
    let prefix = content.content.to_string_lossy();
    let Some(path) = path else {
        for d in &checked.diagnostics.items {
            eprintln!("{}", d.human(&prefix));
        }
        eprintln!("{}: no baseline was written", checked.diagnostics.summary());
        return Ok(ExitCode::from(1));
    };
    println!(
        "wrote {} (\"{}\", as of {})",
        path.display(),
        label.split_whitespace().collect::<Vec<_>>().join(" "),
        checked.as_of
    );
    Ok(ExitCode::SUCCESS)
}

/// `assure pack`: one PDF pack per named record.
fn pack(
    ids: Vec<String>,
    content: &ContentArgs,
    output: PathBuf,
    issued: Option<Date>,
) -> Result<ExitCode> {
    let built = assure::commands::build::pack(&assure::commands::build::PackOptions {
        content: content.content.clone(),
        output: output.clone(),
        ids: ids.clone(),
        issued,
    })?;
    let prefix = content.content.to_string_lossy();
    for d in &built.checked.diagnostics.items {
        errln!("{}", d.human(&prefix));
    }
    if built.failed {
        errln!(
            "{}: no pack was written",
            built.checked.diagnostics.summary()
        );
        return Ok(ExitCode::from(1));
    }
    for id in &ids {
        outln!(
            "wrote {}",
            output.join("pdf").join(format!("{id}.pdf")).display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `assure lock`: records evidence files' sha256, with a sign-off when `--by` is given.
fn lock(
    ids: &[String],
    by: Option<String>,
    on: Option<Date>,
    content: &ContentArgs,
) -> Result<ExitCode> {
    let (site, _) = pipeline::load(&content.content)?;
    let sign_off = match by {
        Some(by) if by.trim().is_empty() => {
            anyhow::bail!("`--by` is empty: name who signed the evidence off, e.g. `--by \"Performance Board\"`")
        }
        Some(by) => Some(assure::lock::SignOff {
            by: by.trim().to_string(),
            on: on.unwrap_or_else(Date::today_utc).to_string(),
        }),
        None => None,
    };
    if sign_off.is_some() && ids.is_empty() {
        anyhow::bail!("name the evidence IDs that were signed off, e.g. `assure lock ev-01 --by \"Performance Board\"`");
    }
    let locked = assure::lock::lock_signed(&site, ids, sign_off.as_ref())?;
    if locked.is_empty() {
        outln!("every evidence file already has a recorded sha256; name IDs to re-record them");
    }
    for l in locked {
        outln!("{} {}: sha256 {} ({})", l.action, l.id, l.sha256, l.path);
    }
    Ok(ExitCode::SUCCESS)
}

/// `assure new`: writes one record's file and says what to do next.
fn new(
    rtype: &str,
    title: &str,
    id: Option<String>,
    source: Option<String>,
    date: Option<Date>,
    fields: NewFields,
    content: &ContentArgs,
) -> Result<ExitCode> {
    let (site, _) = pipeline::load(&content.content)?;
    let request = assure::new_record::Request {
        type_name: rtype,
        title,
        id: id.as_deref(),
        source: source.as_deref(),
        date,
        fields: fields.given(),
    };
    let created = assure::new_record::create(&site, &request, Date::today_utc())?;
    // Joined part by part, so Windows shows its own separators throughout.
    let shown = created
        .rel
        .split('/')
        .fold(content.content.clone(), |path, part| path.join(part));
    outln!("created {} (ID {})", shown.display(), created.id);
    outln!("next:");
    for step in &created.next {
        outln!("  - {step}");
    }
    Ok(ExitCode::SUCCESS)
}

/// `assure init`: a starter content folder, and the next steps.
fn init(dir: &std::path::Path) -> Result<ExitCode> {
    let written = assure::starter::init(dir, Date::today_utc())?;
    outln!(
        "wrote a starter content folder with {} files: {}",
        written.len(),
        dir.display()
    );
    let content = if dir == std::path::Path::new("content") {
        String::new()
    } else {
        format!(" --content {}", dir.display())
    };
    outln!("next:");
    // Editing in the browser first: the people who write records are not
    // programmers (SPEC §14.8); the files come second.
    if content.is_empty() {
        outln!("  - assure   (runs `assure serve` and opens the site in your browser: every record's page has an Edit link, every list a New link, and pages update as you save)");
    } else {
        outln!("  - assure serve{content}   (open the address it prints: every record's page has an Edit link, every list a New link, and pages update as you save)");
    }
    outln!(
        "  - or edit the files in {} with any text editor; {} explains them",
        dir.display(),
        dir.join("_README.md").display()
    );
    outln!("  - assure check{content}   (every problem, with file and line)");
    outln!("  - assure build{content}   (the site in output/site, the PDF packs in output/pdf)");
    Ok(ExitCode::SUCCESS)
}

/// `assure status`: readiness and what needs doing, for one audience.
fn report_status(
    content: &ContentArgs,
    as_of: Option<Date>,
    audience: Option<String>,
    format: Format,
) -> Result<ExitCode> {
    let checked = pipeline::check(&content.content, as_of)?;
    let audience = audience.as_deref().unwrap_or(INTERNAL);
    pipeline::known_audience(&checked.site.config, audience).map_err(anyhow::Error::msg)?;
    let prefix = content.content.to_string_lossy();
    for d in &checked.diagnostics.items {
        errln!("{}", d.human(&prefix));
    }
    if checked.diagnostics.errors() > 0 {
        errln!(
            "{}: fix the errors above; readiness is not computed while the content has errors",
            checked.diagnostics.summary()
        );
        return Ok(ExitCode::from(1));
    }
    let a = pipeline::analysed(&checked, audience);
    match format {
        Format::Human => out!("{}", status::render(&a, checked.as_of)),
        Format::Json => outln!("{}", status::json(&a, checked.as_of)),
    }
    Ok(ExitCode::SUCCESS)
}

fn exit(failed: bool) -> ExitCode {
    if failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

/// `mi_option_purge_delay` in mimalloc.h's `mi_option_e` (the bindings name no constant
/// for it): how long freed memory is kept before it goes back to the system.
const PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;

/// Freed memory goes back to the system after 10 ms rather than mimalloc v3's default
/// of a second, in which the memory of one output stayed resident while the next was
/// made. Measured at 10,000 records (issue 25; CONTRIBUTING, "Benchmarks"): a build's
/// peak 145 MB at 1,000 ms, 108 MB at 10 ms; serve's 333 MiB at 200 ms, 280 MiB at
/// 10 ms. Shorter still (0 ms) saved little more and cost a tenth more time.
const PURGE_MILLIS: std::ffi::c_long = 10;

fn return_freed_memory_soon() {
    // SAFETY: setting an option is allowed at any time, from any thread; the option
    // exists in the mimalloc this crate links (v3, as v2).
    unsafe { libmimalloc_sys::mi_option_set(PURGE_DELAY, PURGE_MILLIS) };
}

fn main() -> ExitCode {
    return_freed_memory_soon();
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let code = match run(cli) {
        Ok(code) => code,
        Err(e) => {
            errln!("error: {e:#}");
            ExitCode::from(2)
        }
    };
    // A reader that went away ends the printing quietly; any other failure to write
    // the report is a failure of the command.
    if let Some(why) = assure::terminal::write_failure() {
        errln!("error: cannot write to standard output: {why}");
        return ExitCode::from(2);
    }
    code
}

#[cfg(test)]
mod tests {
    /// [`super::PURGE_DELAY`] is a number from mimalloc.h, not a name the bindings give:
    /// if an upgrade moved the option, the setting would change another. Only the purge
    /// delay defaults to 1,000 (ms) in mimalloc v3.
    #[test]
    fn the_purge_delay_option_is_the_one_set() {
        // SAFETY: reading an option is allowed at any time.
        let default = unsafe { libmimalloc_sys::mi_option_get(super::PURGE_DELAY) };
        assert_eq!(default, 1000);
    }
}
