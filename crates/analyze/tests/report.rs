//! `analyze` end to end on small hand-made snapshot files: the leak method with 3 and 2
//! snapshots, the report's numbers and JSON, and the errors (exact values throughout).

use std::path::PathBuf;

use leakwatch_analyze::report::{analyze, AnalyzeError, Options};

const META: &str = r#"{"node_fields":["type","name","id","self_size","edge_count","trace_node_id","detachedness"],"node_types":[["hidden","array","string","object","code","closure","regexp","number","native","synthetic","concatenated string","sliced string","symbol","bigint","object shape"],"string","number","number","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[["context","element","property","internal","hidden","shortcut","weak"],"string_or_number","node"]}"#;

/// (type, name, id, self size, edges as (type, name or index, to node)).
type Node<'a> = (u32, &'a str, u32, u32, Vec<(u32, &'a str, usize)>);

/// A snapshot in V8's format (7 node fields, as Node 20 writes them).
fn snapshot(nodes: &[Node]) -> String {
    let mut strings: Vec<String> = vec![String::new()];
    let mut intern = |s: &str| match strings.iter().position(|x| x == s) {
        Some(i) => i,
        None => {
            strings.push(s.to_string());
            strings.len() - 1
        }
    };
    let (mut n, mut e, mut edge_count) = (Vec::new(), Vec::new(), 0);
    for (kind, name, id, size, edges) in nodes {
        let name = intern(name);
        n.push(format!("{kind},{name},{id},{size},{},0,0", edges.len()));
        for (t, label, to) in edges {
            let label = if *t == 1 {
                label.parse().unwrap()
            } else {
                intern(label)
            };
            e.push(format!("{t},{label},{}", to * 7));
            edge_count += 1;
        }
    }
    let strings: Vec<String> = strings.iter().map(|s| format!("{s:?}")).collect();
    format!(
        r#"{{"snapshot":{{"meta":{META},"node_count":{},"edge_count":{edge_count}}},"nodes":[{}],"edges":[{}],"strings":[{}]}}"#,
        nodes.len(),
        n.join(","),
        e.join(","),
        strings.join(",")
    )
}

/// root → global → leaks (Map) → table → [i] → LeakyThing → s → string, with `leaky` ids.
fn heap(leaky: &[u32]) -> String {
    let mut nodes: Vec<Node> = vec![
        (9, "", 1, 0, vec![(5, "global", 1)]),
        (3, "global", 3, 40, vec![(2, "leaks", 2)]),
        (3, "Map", 5, 32, vec![(3, "table", 3)]),
    ];
    let index: Vec<String> = (0..leaky.len()).map(|i| i.to_string()).collect();
    let table = (0..leaky.len())
        .map(|i| (1, index[i].as_str(), 4 + 2 * i))
        .collect();
    nodes.push((1, "", 7, 16, table));
    for (i, &id) in leaky.iter().enumerate() {
        nodes.push((3, "LeakyThing", id, 100, vec![(2, "s", 5 + 2 * i)]));
        nodes.push((2, "a string", id + 100, 50, vec![]));
    }
    snapshot(&nodes)
}

fn files(heaps: &[String]) -> (tempdir::Dir, Vec<PathBuf>) {
    let dir = tempdir::Dir::new();
    let paths = heaps
        .iter()
        .enumerate()
        .map(|(i, text)| {
            let p = dir.0.join(format!("{i}.heapsnapshot"));
            std::fs::write(&p, text).unwrap();
            p
        })
        .collect();
    (dir, paths)
}

mod tempdir {
    pub struct Dir(pub std::path::PathBuf);
    impl Dir {
        pub fn new() -> Dir {
            use std::sync::atomic::{AtomicU32, Ordering};
            static N: AtomicU32 = AtomicU32::new(0);
            let n = N.fetch_add(1, Ordering::Relaxed);
            let p =
                std::env::temp_dir().join(format!("leakwatch-report-{}-{n}", std::process::id()));
            std::fs::create_dir_all(&p).unwrap();
            Dir(p)
        }
    }
    impl Drop for Dir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }
}

#[test]
fn baseline_target_final() {
    let (_dir, paths) = files(&[heap(&[]), heap(&[101, 103]), heap(&[101, 103, 105])]);
    let mut phases = Vec::new();
    let r = analyze(&paths, &Options { top: 3 }, &mut |p| phases.push(p.phase)).unwrap();
    assert_eq!(r.snapshots.len(), 3);
    assert_eq!(r.snapshots[1].edges, None);
    assert_eq!(r.snapshots[1].nodes, 8);
    assert_eq!(
        (r.nodes, r.edges, r.total_bytes, r.root_retained_bytes),
        (10, 9, 538, 538)
    );
    let leak = r.leak.as_ref().unwrap();
    assert_eq!(leak.method, "baseline-target-final");
    // 101 and 103: new in the target, alive in the final; 105 came later; strings never.
    assert_eq!((leak.objects, leak.retained_bytes), (2, 300));
    let top = &leak.clusters[0];
    assert_eq!(leak.clusters.len(), 1);
    assert_eq!(
        (
            top.constructor.as_str(),
            top.count,
            top.self_bytes,
            top.retained_bytes
        ),
        ("LeakyThing", 2, 200, 300)
    );
    assert_eq!(top.example.id, 101);
    let steps: Vec<(&str, &str, &str)> = top
        .path
        .iter()
        .map(|s| (s.edge.as_str(), s.edge_type, s.node.as_str()))
        .collect();
    assert_eq!(
        steps,
        vec![
            ("global", "shortcut", "global"),
            ("leaks", "property", "Map"),
            ("table", "internal", ""),
            ("[0]", "element", "LeakyThing")
        ]
    );
    let top3: Vec<(u32, u64)> = r
        .top_retainers
        .iter()
        .map(|(o, _)| (o.id, o.retained_bytes))
        .collect();
    assert_eq!(top3, vec![(3, 538), (5, 498), (7, 466)]);
    let classes: Vec<(&str, u64, u64, u64)> = r
        .constructors
        .iter()
        .map(|c| (c.name.as_str(), c.count, c.self_bytes, c.retained_bytes))
        .collect();
    assert_eq!(
        classes,
        vec![
            ("global", 1, 40, 538),
            ("Map", 1, 32, 498),
            ("(array)", 1, 16, 466)
        ]
    );
    let diff = &r.diff.as_ref().unwrap().result;
    let rows: Vec<(&str, f64, f64)> = diff
        .details
        .iter()
        .map(|d| (d.what.as_str(), d.added, d.size_bytes))
        .collect();
    assert_eq!(
        rows,
        vec![("LeakyThing", 3.0, 300.0), ("(string)", 3.0, 150.0)]
    );
    assert_eq!(phases.last(), Some(&leakwatch_analyze::Phase::Analysis));

    let json = r.to_json();
    assert!(
        json.starts_with(r#"{"version":1,"snapshots":[{"path":"#),
        "{json}"
    );
    for part in [
        r#""edges":null"#,
        r#""heap":{"nodes":10,"edges":9,"totalBytes":538,"rootRetainedBytes":538}"#,
        r#""method":"baseline-target-final""#,
        r#"{"constructor":"LeakyThing","count":2,"retainedBytes":300,"selfBytes":200,"path":[{"edge":"global","edgeType":"shortcut","node":"global","nodeType":"object","id":3},"#,
        r#""example":{"id":101,"name":"LeakyThing","type":"object","selfBytes":100,"retainedBytes":150}"#,
        r#"{"name":"global","count":1,"selfBytes":40,"retainedBytes":538}"#,
        r#"{"what":"LeakyThing","countAdded":3,"countRemoved":0,"bytesAdded":300,"bytesRemoved":0,"netBytes":300}"#,
    ] {
        assert!(json.contains(part), "{part}\nin {json}");
    }
}

#[test]
fn baseline_final_and_one_snapshot() {
    let (_dir, paths) = files(&[heap(&[]), heap(&[101, 103, 105])]);
    let r = analyze(&paths, &Options::default(), &mut |_| {}).unwrap();
    let leak = r.leak.as_ref().unwrap();
    assert_eq!(
        (
            leak.method,
            leak.target.clone(),
            leak.objects,
            leak.retained_bytes
        ),
        ("baseline-final", None, 3, 450)
    );
    assert!(r.to_json().len() > 100);

    let r = analyze(&paths[1..], &Options::default(), &mut |_| {}).unwrap();
    assert!(r.leak.is_none() && r.diff.is_none());
    assert!(r.to_json().contains(r#""leak":null"#));
    assert!(r.to_json().ends_with(r#""diff":null}"#));
}

#[test]
fn errors_name_the_file_and_the_byte() {
    let whole = heap(&[101]);
    let (dir, paths) = files(&[whole[..whole.len() / 2].to_string(), whole.clone()]);
    let e = analyze(&paths, &Options::default(), &mut |_| {}).unwrap_err();
    assert_eq!(e.code(), "ERR_LEAKWATCH_SNAPSHOT_FORMAT");
    let text = e.to_string();
    assert!(
        text.starts_with(&format!("{}: byte ", paths[0].display())),
        "{text}"
    );

    let missing = dir.0.join("missing.heapsnapshot");
    let e = analyze(
        &[paths[1].clone(), missing.clone()],
        &Options::default(),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(matches!(e, AnalyzeError::Open { .. }));
    assert_eq!(e.code(), "ERR_LEAKWATCH_SNAPSHOT_READ");
    assert!(e.to_string().starts_with(&missing.display().to_string()));

    let e = analyze(&[], &Options::default(), &mut |_| {}).unwrap_err();
    assert_eq!(e.code(), "ERR_LEAKWATCH_OUT_OF_RANGE");
    let four = vec![paths[1].clone(); 4];
    assert!(matches!(
        analyze(&four, &Options::default(), &mut |_| {}),
        Err(AnalyzeError::Usage(_))
    ));
}
