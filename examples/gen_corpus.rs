//! Generates a deterministic content folder of N records for benchmarks:
//! 10 % recommendations, 30 % actions, 60 % evidence, plus reviews, events and a plan.
//! Bodies are about 1.5 KB with headings, a list, a table and three `[[ID]]` links.
//!
//! `cargo run --release --example gen_corpus -- 10000 /tmp/corpus-10k`

use std::fmt::Write as _;
use std::fs;
use std::path::Path;

/// A small deterministic generator (xorshift), so every run writes the same bytes.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.below(items.len())]
    }
}

const WORDS: &[&str] = &[
    "social",
    "work",
    "practice",
    "audit",
    "children",
    "families",
    "caseload",
    "supervision",
    "quality",
    "assurance",
    "partnership",
    "safeguarding",
    "board",
    "recruitment",
    "training",
    "review",
    "plan",
    "outcomes",
    "timeliness",
    "assessment",
    "referral",
    "front",
    "door",
    "early",
    "help",
    "looked",
    "after",
    "care",
    "leavers",
    "performance",
    "data",
    "management",
    "oversight",
    "governance",
    "improvement",
];

fn sentence(rng: &mut Rng, words: usize) -> String {
    let mut s = String::new();
    for i in 0..words {
        if i > 0 {
            s.push(' ');
        }
        s.push_str(rng.pick(WORDS));
    }
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str() + ".",
        None => s,
    }
}

fn body(rng: &mut Rng, links: [&str; 3]) -> String {
    let mut b = String::new();
    let _ = writeln!(
        b,
        "## Summary\n\n{} {} See [[{}]].\n",
        sentence(rng, 18),
        sentence(rng, 22),
        links[0]
    );
    let _ = writeln!(b, "## Findings\n");
    for _ in 0..4 {
        let _ = writeln!(b, "- {}", sentence(rng, 10));
    }
    let _ = writeln!(b, "\n| Measure | Baseline | Latest |\n|---|---|---|");
    for _ in 0..3 {
        let _ = writeln!(
            b,
            "| {} | {} % | {} % |",
            sentence(rng, 3),
            rng.below(100),
            rng.below(100)
        );
    }
    let _ = writeln!(
        b,
        "\n{} Linked to [[{}]] and [[{}|the related record]]. {}\n",
        sentence(rng, 25),
        links[1],
        links[2],
        sentence(rng, 30)
    );
    b
}

fn main() -> std::io::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let n: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(1000);
    let dir = Path::new(args.get(2).map(String::as_str).unwrap_or("corpus"));
    if dir.exists() {
        fs::remove_dir_all(dir)?;
    }
    for sub in [
        "recommendations",
        "actions",
        "evidence/files",
        "reviews",
        "timeline",
        "plans",
    ] {
        fs::create_dir_all(dir.join(sub))?;
    }
    let mut rng = Rng(0x5eed_1234_abcd_ef01);
    let recs = (n / 10).max(1);
    let actions = (n * 3 / 10).max(1);
    let evidence = n.saturating_sub(recs + actions).max(1);
    let reviews = (n / 100).max(1);
    let events = (n / 50).max(1);
    let objectives = 6;

    fs::write(
        dir.join("site.yaml"),
        "title: Benchmark corpus\norganisation: Example Council\nas_of: 2015-06-30\nsite_audience: inspector\naudiences:\n  inspector: { title: Inspectors }\npacks:\n  - id: pack\n    title: Inspection pack\n    audience: inspector\n    sections: [summary, recommendations, actions, evidence, timeline]\n",
    )?;
    let mut plan = String::from("---\ntitle: Improvement plan\nstatus: active\nperiod: {start: 2013-03, end: 2016-03}\nobjectives:\n");
    for o in 0..objectives {
        let _ = writeln!(
            plan,
            "  - id: obj-{o}\n    title: Objective {o}\n    description: {}",
            sentence(&mut rng, 12)
        );
    }
    plan.push_str("---\nThe plan.\n");
    fs::write(dir.join("plans/plan.md"), plan)?;
    for r in 0..reviews {
        fs::write(
            dir.join(format!("reviews/rev-{r}.md")),
            format!(
                "---\ntitle: Review {r}\nkind: inspection\nby: Ofsted\ndate: 2012-{:02}\n---\n{}\n",
                1 + r % 12,
                sentence(&mut rng, 40)
            ),
        )?;
    }
    for i in 0..recs {
        let links = [
            format!("act-{}", rng.below(actions)),
            format!("ev-{}", rng.below(evidence)),
            format!("rev-{}", i % reviews),
        ];
        let status = rng.pick(&["open", "in-progress", "met", "partially-met"]);
        let text = format!(
            "---\ntitle: {}\nsource: rev-{}\npriority: {}\ndue: 2014-{:02}\nstatus: {status}\narea: {}\n---\n{}",
            sentence(&mut rng, 7),
            i % reviews,
            rng.pick(&["high", "medium", "low"]),
            1 + rng.below(12),
            sentence(&mut rng, 3),
            body(&mut rng, [&links[0], &links[1], &links[2]])
        );
        fs::write(dir.join(format!("recommendations/rec-{i}.md")), text)?;
    }
    for i in 0..actions {
        let links = [
            format!("rec-{}", rng.below(recs)),
            format!("ev-{}", rng.below(evidence)),
            format!("act-{}", rng.below(actions)),
        ];
        let text = format!(
            "---\ntitle: {}\nplan: plan\nobjective: obj-{}\naddresses: [rec-{}, rec-{}]\nowner: {}\ndue: 2015-{:02}\nstatus: {}\n---\n{}",
            sentence(&mut rng, 6),
            rng.below(objectives),
            i % recs,
            rng.below(recs),
            rng.pick(&["Director of Children's Services", "Head of Safeguarding", "Principal Social Worker"]),
            1 + rng.below(12),
            rng.pick(&["not-started", "in-progress", "complete", "blocked"]),
            body(&mut rng, [&links[0], &links[1], &links[2]])
        );
        fs::write(dir.join(format!("actions/act-{i}.md")), text)?;
    }
    for i in 0..evidence {
        let links = [
            format!("act-{}", rng.below(actions)),
            format!("rec-{}", rng.below(recs)),
            format!("ev-{}", rng.below(evidence)),
        ];
        let mut fields = format!(
            "---\ntitle: {}\nkind: {}\ndate: 2014-{:02}-{:02}\nreviewed: 2015-{:02}-01\nsupports: [act-{}, rec-{}]\noriginator: {}\n",
            sentence(&mut rng, 5),
            rng.pick(&["audit", "report", "minutes", "data", "case-audit"]),
            1 + rng.below(12),
            1 + rng.below(28),
            1 + rng.below(6),
            i % actions,
            rng.below(recs),
            rng.pick(&["Quality assurance team", "Performance team", "Independent reviewer"])
        );
        if i % 10 == 0 {
            let name = format!("evidence/files/ev-{i}.txt");
            let content = format!("Attachment for evidence {i}\n{}\n", sentence(&mut rng, 60));
            fs::write(dir.join(&name), &content)?;
            let _ = writeln!(fields, "file: {name}");
        }
        fields.push_str("---\n");
        fields.push_str(&body(&mut rng, [&links[0], &links[1], &links[2]]));
        fs::write(dir.join(format!("evidence/ev-{i}.md")), fields)?;
    }
    let mut list = String::from("records:\n");
    for e in 0..events {
        let _ = writeln!(
            list,
            "  - id: event-{e}\n    title: {}\n    date: {}-{:02}\n    kind: milestone\n    refs: [rec-{}]",
            sentence(&mut rng, 6),
            2005 + e % 15,
            1 + e % 12,
            rng.below(recs)
        );
    }
    fs::write(dir.join("timeline/events.yaml"), list)?;
    eprintln!(
        "wrote {} records ({recs} recommendations, {actions} actions, {evidence} evidence, {reviews} reviews, {events} events, 1 plan with {objectives} objectives) into {}",
        recs + actions + evidence + reviews + events + 1 + objectives,
        dir.display()
    );
    Ok(())
}
