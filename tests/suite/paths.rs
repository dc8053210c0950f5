//! Path safety: no path written in content (evidence `file`, links in bodies, the
//! `theme` of site.yaml) and no symbolic link under the content folder makes a command
//! read, copy or write anything outside the content folder. Each hostile path is an
//! error at its file and line (SPEC §5, §12), and every build is checked for what it
//! copied: nothing of the secret files outside may appear anywhere in the output.
//! (`assure serve` requests are tested in tests/suite/serve.rs.)

use crate::common;

use common::{assure, crate_root, Run};
use std::path::{Path, PathBuf};

/// Text that only the files outside the content folder hold.
const SECRET: &str = "SECRET-OUTSIDE-MARKER";

/// A folder beside the content folder holding secrets, and a content folder.
struct Fixture {
    _dir: tempfile::TempDir,
    outside: PathBuf,
    content: PathBuf,
    output: PathBuf,
}

impl Fixture {
    fn new(site_extra: &str) -> Fixture {
        let dir = tempfile::tempdir().expect("temporary folder");
        let outside = dir.path().join("outside");
        let content = dir.path().join("content");
        let output = dir.path().join("output");
        for (rel, text) in [
            ("secret.txt", format!("{SECRET} file\n")),
            ("folder/secret.txt", format!("{SECRET} in a folder\n")),
            (
                "record.md",
                format!("---\ntitle: {SECRET} record\n---\n{SECRET} body\n"),
            ),
            (
                "folder/record.md",
                format!("---\ntitle: {SECRET} r2\n---\n"),
            ),
            ("theme/static/style.css", format!("/* {SECRET} css */\n")),
            ("theme/static/extra.css", format!("/* {SECRET} extra */\n")),
            (
                "theme/templates/base.html",
                format!("<p>{SECRET} template</p>\n"),
            ),
        ] {
            write(&outside.join(rel), &text);
        }
        write(
            &content.join("site.yaml"),
            &format!(
                "title: Paths\norganisation: Test Council\nas_of: 2014-09-30\nsite_audience: inspector\naudiences:\n  inspector: {{ title: Inspectors }}\n{site_extra}"
            ),
        );
        Fixture {
            _dir: dir,
            outside,
            content,
            output,
        }
    }

    fn write(&self, rel: &str, text: &str) {
        write(&self.content.join(rel), text);
    }

    /// A symbolic link at `rel` in the content folder.
    fn link(&self, target: impl AsRef<Path>, rel: &str) {
        let at = self.content.join(rel);
        std::fs::create_dir_all(at.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(target, at).expect("create symbolic link");
    }

    fn run(&self, command: &str, extra: &[&str]) -> Run {
        let mut args: Vec<std::ffi::OsString> = vec![
            command.into(),
            "--content".into(),
            self.content.clone().into(),
        ];
        if command == "build" || command == "pack" {
            args.push("--output".into());
            args.push(self.output.clone().into());
        }
        args.extend(extra.iter().map(Into::into));
        assure(&args, &crate_root())
    }

    /// Asserts `run` printed `code` for `path` (inside the content folder) at `line`.
    fn assert_diag(&self, run: &Run, path: &str, code: &str, line: u32) {
        let full = format!("{}/{path}", self.content.display());
        // `check` prints diagnostics to stdout, other commands to stderr.
        assert!(
            run.stdout
                .lines()
                .chain(run.stderr.lines())
                .filter_map(common::Diag::parse)
                .any(|d| d.path == full && d.code == code && d.line == line),
            "expected {code} at {path}:{line}; got:\n{}{}",
            run.stdout,
            run.stderr
        );
    }

    /// Every output file that holds the secret marker (there must be none).
    fn leaks(&self) -> Vec<String> {
        let mut found = Vec::new();
        if self.output.exists() {
            for entry in walkdir::WalkDir::new(&self.output) {
                let entry = entry.unwrap();
                if entry.file_type().is_file() {
                    let bytes = std::fs::read(entry.path()).unwrap();
                    if String::from_utf8_lossy(&bytes).contains(SECRET) {
                        found.push(entry.path().display().to_string());
                    }
                }
            }
        }
        found
    }
}

fn write(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
}

fn evidence(file: &str) -> String {
    format!("---\ntitle: Evidence\nstatus: draft\nfile: {file}\n---\nThe evidence.\n")
}

/// Evidence `file` and links in bodies that lead out of the content folder — by `..`,
/// an absolute path, percent-encoding, or a symbolic link to a file or folder, inside
/// the content folder or outside it — are E007 at their line, and nothing is built.
#[test]
fn paths_that_leave_the_content_folder_are_e007_at_their_line() {
    let f = Fixture::new("");
    let outside = f.outside.display().to_string();
    f.write("evidence/files/real.txt", "inside\n");
    f.write("evidence/files/sub/real.txt", "inside, in a folder\n");
    f.link(f.outside.join("secret.txt"), "evidence/files/out-link.txt");
    f.link("real.txt", "evidence/files/in-link.txt");
    f.link(f.outside.join("folder"), "evidence/files/out-dir");
    f.link("sub", "evidence/files/in-dir");
    let files = [
        ("dotdot", "../outside/secret.txt".to_string()),
        ("deep", "evidence/../../outside/secret.txt".to_string()),
        ("absolute", format!("{outside}/secret.txt")),
        // Quoted: YAML reads a plain `%` as a directive. `file` is a path, not a URL:
        // nothing in it is decoded, so this names a folder called `%2e%2e`.
        ("encoded", "\"%2e%2e/outside/secret.txt\"".to_string()),
        ("link-out", "evidence/files/out-link.txt".to_string()),
        ("link-in", "evidence/files/in-link.txt".to_string()),
        ("dir-out", "evidence/files/out-dir/secret.txt".to_string()),
        ("dir-in", "evidence/files/in-dir/real.txt".to_string()),
    ];
    for (name, file) in &files {
        f.write(&format!("evidence/{name}.md"), &evidence(file));
    }
    // One hostile link per line, from line 4.
    let links = [
        "[a](../../outside/secret.txt)".to_string(),
        "[b](%2e%2e/%2e%2e/outside/secret.txt)".to_string(),
        "[c](%2E%2E%2F%2E%2E%2Foutside%2Fsecret.txt)".to_string(),
        "[d](..%5C..%5Coutside%5Csecret.txt)".to_string(),
        format!("![e]({outside}/secret.txt)"),
        format!("[f](<{outside}/secret.txt>)"),
        "[g](../evidence/files/out-link.txt)".to_string(),
        "[h](../evidence/files/in-link.txt)".to_string(),
        "![i](../evidence/files/out-dir/secret.txt)".to_string(),
        "[j](../evidence/files/in-dir/real.txt#top)".to_string(),
    ];
    f.write(
        "pages/hostile.md",
        &format!("---\ntitle: Hostile\n---\n{}\n", links.join("\n\n")),
    );

    let run = f.run("check", &[]);
    assert_eq!(run.end, common::End::Exited(1), "{}", run.stderr);
    for (name, _) in &files {
        f.assert_diag(&run, &format!("evidence/{name}.md"), "E007", 4);
    }
    for n in 0..links.len() {
        f.assert_diag(&run, "pages/hostile.md", "E007", 4 + 2 * n as u32);
    }
    let e007 = run
        .diagnostics()
        .iter()
        .filter(|d| d.code == "E007")
        .count();
    assert_eq!(e007, files.len() + links.len(), "{}", run.stdout);

    let run = f.run("build", &["--no-pdf"]);
    assert_eq!(run.end, common::End::Exited(1), "{}", run.stderr);
    f.assert_diag(&run, "pages/hostile.md", "E007", 4);
    assert!(!f.output.exists(), "a build with E007 wrote an output");
}

/// A build of content holding symbolic links that nothing may follow (to files and
/// folders, records and attachments, inside and outside) copies only the files its
/// records reference, and nothing of what the links point at reaches any output file.
#[test]
fn a_build_never_copies_or_reads_what_symbolic_links_point_at() {
    let f = Fixture::new("theme: _theme\n");
    f.write("evidence/files/audit report.txt", "the audit\n");
    f.write("evidence/files/unreferenced.txt", "not referenced\n");
    f.write(
        "evidence/ev-1.md",
        &evidence("evidence/files/audit report.txt"),
    );
    f.write(
        "pages/about.md",
        "---\ntitle: About\n---\nSee [the audit](../evidence/files/audit%20report.txt).\n",
    );
    f.link(f.outside.join("secret.txt"), "evidence/files/out-link.txt");
    f.link(f.outside.join("folder"), "evidence/files/out-dir");
    f.link(f.outside.join("record.md"), "pages/linked.md");
    f.link(f.outside.join("folder"), "pages/linked-folder");
    f.link(f.outside.join("folder"), "linked-type");
    // The theme: one real file, and links to a template and a style sheet outside.
    f.write("_theme/static/own.css", "/* the theme's own */\n");
    f.link(
        f.outside.join("theme/static/extra.css"),
        "_theme/static/extra.css",
    );
    f.link(
        f.outside.join("theme/templates/base.html"),
        "_theme/templates/base.html",
    );

    let run = f.run("build", &["--no-pdf"]);
    assert_eq!(
        run.end,
        common::End::Exited(0),
        "{}{}",
        run.stdout,
        run.stderr
    );
    let files = f.output.join("site/files");
    let copied: Vec<String> = walkdir::WalkDir::new(&files)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| !e.file_type().is_dir())
        .map(|e| e.path().strip_prefix(&files).unwrap().display().to_string())
        .collect();
    assert_eq!(copied, ["evidence/files/audit report.txt"]);
    let stat = f.output.join("site/static");
    assert!(
        stat.join("own.css").is_file(),
        "the theme's own file is copied"
    );
    assert!(
        !stat.join("extra.css").exists(),
        "a linked theme file was copied"
    );
    assert_eq!(f.leaks(), Vec::<String>::new(), "output files hold secrets");
    // The linked records were not read: no page for them.
    assert!(!f.output.join("site/pages/linked.html").exists());
}

/// A `theme` in site.yaml is part of the content: it must stay inside the content folder
/// and not go through a symbolic link (E008 at its line), so content cannot make a build
/// publish files from elsewhere. `--theme` names a folder anywhere: the person running
/// the command chose it.
#[test]
fn a_theme_named_in_site_yaml_stays_inside_the_content_folder() {
    for (theme, why) in [
        ("../outside/theme".to_string(), "leads outside"),
        ("_theme/../../outside/theme".to_string(), "leads outside"),
        ("ABSOLUTE".to_string(), "absolute"),
        ("_linked-theme".to_string(), "symbolic link"),
        ("_theme/../_linked-theme".to_string(), "symbolic link"),
        ("_missing".to_string(), "does not exist"),
    ] {
        let f = Fixture::new("");
        let theme = if theme == "ABSOLUTE" {
            f.outside.join("theme").display().to_string()
        } else {
            theme
        };
        write(
            &f.content.join("site.yaml"),
            &format!(
                "title: Paths\nsite_audience: inspector\naudiences:\n  inspector: {{ title: Inspectors }}\ntheme: {theme}\n"
            ),
        );
        f.write("_theme/static/own.css", "/* own */\n");
        f.link(f.outside.join("theme"), "_linked-theme");
        let run = f.run("check", &[]);
        f.assert_diag(&run, "site.yaml", "E008", 5);
        assert!(run.stdout.contains(why), "`theme: {theme}`: {}", run.stdout);
        let run = f.run("build", &["--no-pdf"]);
        assert_eq!(
            run.end,
            common::End::Exited(1),
            "`theme: {theme}`: {}",
            run.stderr
        );
        f.assert_diag(&run, "site.yaml", "E008", 5);
        assert!(!f.output.exists(), "`theme: {theme}` built an output");
    }

    // A theme inside the content folder works; `--theme` may name one outside, but the
    // links inside a theme (a linked `static` folder included) are never followed.
    let f = Fixture::new("theme: _theme\n");
    f.write("_theme/static/own.css", "/* own */\n");
    let run = f.run("build", &["--no-pdf"]);
    assert_eq!(run.end, common::End::Exited(0), "{}", run.stderr);
    assert!(f.output.join("site/static/own.css").is_file());

    let f = Fixture::new("");
    let theme = f.content.parent().unwrap().join("cli-theme");
    std::fs::create_dir_all(theme.join("templates")).unwrap();
    std::os::unix::fs::symlink(f.outside.join("theme/static"), theme.join("static")).unwrap();
    let run = f.run("build", &["--no-pdf", "--theme", theme.to_str().unwrap()]);
    assert_eq!(run.end, common::End::Exited(0), "{}", run.stderr);
    assert!(!f.output.join("site/static/extra.css").exists());
    assert_eq!(f.leaks(), Vec::<String>::new(), "output files hold secrets");

    let f = Fixture::new("");
    let run = f.run(
        "build",
        &[
            "--no-pdf",
            "--theme",
            f.outside.join("theme").to_str().unwrap(),
        ],
    );
    assert_eq!(run.end, common::End::Exited(0), "{}", run.stderr);
    assert!(f.output.join("site/static/extra.css").is_file());
}

/// `assure lock` hashes only files inside the content folder, not behind a link, and
/// writes nothing when one is refused.
#[test]
fn lock_refuses_files_outside_or_behind_a_link_and_writes_nothing() {
    for file in [
        "evidence/files/out-link.txt",
        "evidence/files/out-dir/secret.txt",
        "../outside/secret.txt",
    ] {
        let f = Fixture::new("");
        f.write("evidence/files/real.txt", "inside\n");
        f.write("evidence/ok.md", &evidence("evidence/files/real.txt"));
        f.link(f.outside.join("secret.txt"), "evidence/files/out-link.txt");
        f.link(f.outside.join("folder"), "evidence/files/out-dir");
        f.write("evidence/bad.md", &evidence(file));
        let before = std::fs::read(f.content.join("evidence/ok.md")).unwrap();
        for ids in [&[][..], &["bad"][..]] {
            let run = f.run("lock", ids);
            assert_eq!(run.end, common::End::Exited(2), "{file}: {}", run.stderr);
            assert!(
                run.stderr.contains("cannot lock `bad`"),
                "{file}: {}",
                run.stderr
            );
            assert_eq!(
                std::fs::read_to_string(f.content.join("evidence/bad.md")).unwrap(),
                evidence(file)
            );
            assert_eq!(
                std::fs::read(f.content.join("evidence/ok.md")).unwrap(),
                before
            );
        }
    }
}

/// `assure new` writes its record inside the content folder, never through a type
/// folder that is a symbolic link.
#[test]
fn new_does_not_write_through_a_symbolic_link() {
    let f = Fixture::new("");
    let target = f.outside.join("actions");
    std::fs::create_dir_all(&target).unwrap();
    f.link(&target, "actions");
    let args: Vec<std::ffi::OsString> = vec![
        "new".into(),
        "action".into(),
        "Train supervisors".into(),
        "--content".into(),
        f.content.clone().into(),
    ];
    let run = assure(&args, &crate_root());
    assert_eq!(run.end, common::End::Exited(2), "{}", run.stderr);
    assert!(run.stderr.contains("symbolic links"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_dir(&target).unwrap().count(),
        0,
        "written outside"
    );
    // A real folder works.
    std::fs::remove_file(f.content.join("actions")).unwrap();
    let run = assure(&args, &crate_root());
    assert_eq!(run.end, common::End::Exited(0), "{}", run.stderr);
    assert_eq!(
        std::fs::read_dir(f.content.join("actions"))
            .unwrap()
            .count(),
        1
    );
}
