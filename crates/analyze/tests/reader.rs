//! The streaming reader on hand-written snapshots: the layouts V8 writes, the sections it
//! may add, string escapes, and every way a file can be cut short or corrupt.

use leakwatch_analyze::graph::{EdgeType, NodeType};
use leakwatch_analyze::{read_file, read_node_ids, read_snapshot, HeapGraph, ReadError};

const NODE_TYPES: &str = r#"["hidden","array","string","object","code","closure","regexp","number","native","synthetic","concatenated string","sliced string","symbol","bigint","object shape"]"#;
const EDGE_TYPES: &str =
    r#"["context","element","property","internal","hidden","shortcut","weak"]"#;

/// Node 20's meta: type,name,id,self_size,edge_count,trace_node_id,detachedness.
fn meta() -> String {
    format!(
        r#"{{"node_fields":["type","name","id","self_size","edge_count","trace_node_id","detachedness"],"node_types":[{NODE_TYPES},"string","number","number","number","number","number"],"edge_fields":["type","name_or_index","to_node"],"edge_types":[{EDGE_TYPES},"string_or_number","node"],"trace_function_info_fields":["function_id","name","script_name","script_id","line","column"],"trace_node_fields":["id","function_info_index","count","size","children"],"sample_fields":["timestamp_us","last_assigned_id"],"location_fields":["object_index","script_id","line","column"]}}"#
    )
}

/// root (synthetic) -[1]-> Foo -bar-> "hello"; root -bar-> "hello".
fn minimal() -> String {
    format!(
        concat!(
            r#"{{"snapshot":{{"meta":{},"node_count":3,"edge_count":3,"trace_function_count":0}},"#,
            "\n",
            r#""nodes":[9,0,1,0,2,0,0"#,
            "\n",
            r#",3,1,3,24,1,0,0"#,
            "\n",
            r#",2,3,5,16,0,0,0],"#,
            "\n",
            r#""edges":[1,1,7,2,2,14,2,2,14],"#,
            "\n",
            r#""trace_function_infos":[],"trace_tree":[],"samples":[],"locations":[],"#,
            "\n",
            r#""strings":["","Foo","bar","hello"]}}"#
        ),
        meta()
    )
}

fn read(json: &str) -> Result<HeapGraph, ReadError> {
    read_snapshot(json.as_bytes(), &mut |_| {})
}

fn read_bytes(json: &[u8]) -> Result<HeapGraph, ReadError> {
    read_snapshot(json, &mut |_| {})
}

fn err(json: &str) -> ReadError {
    match read(json) {
        Ok(_) => panic!("expected an error for {json}"),
        Err(e) => e,
    }
}

fn check_minimal(g: &HeapGraph) {
    assert_eq!(g.node_count(), 3);
    assert_eq!(g.edge_count(), 3);
    assert_eq!(
        g.node_type,
        vec![NodeType::Synthetic, NodeType::Object, NodeType::String]
    );
    assert_eq!(g.node_id, vec![1, 3, 5]);
    assert_eq!(g.node_self_size, vec![0, 24, 16]);
    assert_eq!(g.first_edge, vec![0, 2, 3, 3]);
    assert_eq!(
        g.edge_type,
        vec![EdgeType::Element, EdgeType::Property, EdgeType::Property]
    );
    assert_eq!(g.edge_to, vec![1, 2, 2]);
    assert_eq!(g.name(1), "Foo");
    assert_eq!(g.name(2), "hello");
    assert_eq!(g.edge_label(0), "[1]");
    assert_eq!(g.edge_label(1), "bar");
    assert_eq!(g.strings.len(), 4);
}

#[test]
fn reads_a_minimal_snapshot() {
    check_minimal(&read(&minimal()).unwrap());
}

#[test]
fn reads_fields_and_types_in_another_order_with_extra_fields() {
    // Types listed in another order: the reader maps names, not positions.
    let json = r#"{"snapshot":{"meta":{
        "edge_types":[["weak","property","element"],"string_or_number","node","number"],
        "node_fields":["id","extra","name","type","edge_count","self_size","more"],
        "edge_fields":["to_node","type","name_or_index","spare"],
        "future_meta":{"a":[1,{"b":"]"}]},
        "node_types":[["synthetic","object","string"],"number","string","number","number","number","number"]},
      "node_count":3},
      "strings":["","Foo","bar","hello"],
      "nodes":[1,99,0,0,2,0,7, 3,99,1,1,1,24,7, 5,99,3,2,0,16,7],
      "edges":[7,2,1,0, 14,1,2,0, 14,1,2,0]}"#;
    let g = read(json).unwrap();
    check_minimal(&g);
}

#[test]
fn skips_trace_sections_and_unknown_keys() {
    let json = minimal().replace(
        r#""trace_function_infos":[],"trace_tree":[],"samples":[],"locations":[],"#,
        r#""trace_function_infos":[1,2,3,4,5,6],"trace_tree":[1,0,1,16,[2,1,1,8,[]]],"samples":[10,5,20,6],
           "locations":[7,1,2,3],"future":{"x":"}]\"","y":[true,false,null,-1.5e3]},"#,
    );
    let json = json.replace(
        r#""trace_function_count":0"#,
        r#""trace_function_count":1,"root_index":0,"extra_native_bytes":12"#,
    );
    check_minimal(&read(&json).unwrap());
}

#[test]
fn decodes_string_escapes_and_replaces_lone_surrogates() {
    let strings = r#"["","a\"b\\c\/d\b\f\n\r\t","\u00e9\u4E2D","\ud83d\ude00","x\ud800y","\udc00","\ud800\ud800z","\ud800\n","é"]"#;
    let json = minimal().replace(r#"["","Foo","bar","hello"]"#, strings);
    let g = read(&json).unwrap();
    let s: Vec<&str> = (0..g.strings.len() as u32)
        .map(|i| g.strings.get(i))
        .collect();
    assert_eq!(
        s,
        vec![
            "",
            "a\"b\\c/d\u{8}\u{c}\n\r\t",
            "é中",
            "😀",
            "x\u{FFFD}y",
            "\u{FFFD}",
            "\u{FFFD}\u{FFFD}z",
            "\u{FFFD}\n",
            "é"
        ]
    );
    // Invalid UTF-8 in the file becomes U+FFFD too.
    let mut bytes = minimal().into_bytes();
    let at = bytes.windows(5).position(|w| w == b"hello").unwrap();
    bytes[at + 1] = 0xff;
    let g = read_bytes(&bytes).unwrap();
    assert_eq!(g.name(2), "h\u{FFFD}llo");
}

#[test]
fn a_truncated_file_is_an_error_at_its_end_at_every_cut() {
    let json = minimal().replace(
        r#""trace_tree":[]"#,
        r#""trace_tree":[1,0,1,16,[2,1,1,8,[]]]"#,
    );
    let bytes = json.as_bytes();
    for cut in 1..bytes.len() {
        let e = match read_bytes(&bytes[..cut]) {
            Ok(_) => panic!("a snapshot cut at byte {cut} was read"),
            Err(e) => e,
        };
        assert!(e.message.contains("truncated"), "cut {cut}: {e}");
        assert_eq!(e.offset, cut as u64, "cut {cut}: {e}");
        assert!(e.to_string().starts_with(&format!("byte {cut}: ")), "{e}");
    }
    assert!(err("").message.contains("empty"));
    assert!(err("   \n").message.contains("empty"));
}

#[test]
fn a_truncated_file_on_disk_names_its_size() {
    let json = minimal();
    let path = temp_file("truncated", &json.as_bytes()[..json.len() / 2]);
    let e = read_file(&path, &mut |_| {}).unwrap_err();
    assert_eq!(e.offset, (json.len() / 2) as u64);
    assert!(e.message.contains("truncated"));
    let e = read_node_ids(&path, &mut |_| {}).unwrap_err();
    assert!(e.message.contains("truncated"), "{e}");
    std::fs::remove_file(path).unwrap();
    let e = read_file(
        std::path::Path::new("/nonexistent/x.heapsnapshot"),
        &mut |_| {},
    )
    .unwrap_err();
    assert!(
        e.message
            .contains("cannot open /nonexistent/x.heapsnapshot"),
        "{e}"
    );
}

/// Replaces `from` (which must occur once) and expects an error at its offset.
fn corrupt(from: &str, to: &str, want: &str) {
    let json = minimal();
    assert_eq!(json.matches(from).count(), 1, "{from}");
    let at = json.find(from).unwrap();
    let bad = json.replacen(from, to, 1);
    let e = err(&bad);
    assert!(e.message.contains(want), "{from} -> {to}: {e}");
    assert!(
        e.offset >= at as u64 && e.offset <= (at + to.len()) as u64,
        "{from} -> {to}: {e} (at {at})"
    );
}

#[test]
fn corrupt_tokens_are_errors_naming_their_byte() {
    corrupt(",3,1,3,24,", ",3,x,3,24,", "expected a number in nodes");
    corrupt(",3,1,3,24,", ",3,-1,3,24,", "expected a number in nodes");
    corrupt(",3,1,3,24,", ",3,1.5,3,24,", "expected a number in nodes");
    corrupt(",3,1,3,24,", ",3,1e3,3,24,", "expected a number in nodes");
    corrupt(",3,1,3,24,", ",3,null,3,24,", "expected a number in nodes");
    corrupt(",3,1,3,24,", ",3,,1,3,24,", "expected a number in nodes");
    corrupt(",3,1,3,24,", ",3 1,3,24,", "expected ',' or ']' in nodes");
    corrupt(",3,1,3,24,", ",3,12345678901234567890,3,24,", "too large");
    corrupt("[1,1,7,", "[1,1,\"7\",", "expected a number in edges");
    corrupt(",16,0,0,0]", ",16,0,0,0,]", "expected a number in nodes");
    corrupt("\"hello\"", "\"he\\qllo\"", "invalid escape");
    corrupt("\"hello\"", "\"he\\u12G4llo\"", "invalid \\u escape");
    corrupt("\"hello\"", "\"he\u{1}llo\"", "control character");
    corrupt("\"Foo\",", "\"Foo\";", "expected ',' or ']' in strings");
    corrupt("\"nodes\":", "\"nodes\"=", "expected ':'");
    corrupt("\"edges\":[", "\"edges\":{", "'[' to open edges");
    corrupt("\"hello\"]}", "\"hello\"]}x", "unexpected data after");
    corrupt("{\"snapshot\"", "[\"snapshot\"", "not a heap snapshot");
    corrupt(
        ",2,3,5,16,",
        ",99,3,5,16,",
        "node type 99 is not in meta.node_types",
    );
    corrupt(
        "[1,1,7,",
        "[9,1,7,",
        "edge type 9 is not in meta.edge_types",
    );
    corrupt(
        ",3,1,3,24,",
        ",3,1,4294967296,24,",
        "node id 4294967296 does not fit 32 bits",
    );
}

#[test]
fn edges_must_point_at_a_node() {
    corrupt(
        "[1,1,7,",
        "[1,1,8,",
        "not a multiple of the node field count 7",
    );
    corrupt("[1,1,7,", "[1,1,21,", "points past the last node (3 nodes)");
}

#[test]
fn edge_counts_must_match_the_edges() {
    // One edge fewer than declared.
    let json = minimal().replace("[1,1,7,2,2,14,2,2,14]", "[1,1,7,2,2,14]");
    let e = err(&json);
    assert!(
        e.message
            .contains("declare 3 edges but the edges array holds 2"),
        "{e}"
    );
    assert_eq!(e.offset, (json.find("2,2,14]").unwrap() + 7) as u64);
    // One more.
    let json = minimal().replace("[1,1,7,2,2,14,2,2,14]", "[1,1,7,2,2,14,2,2,14,2,2,7]");
    let e = err(&json);
    assert!(
        e.message
            .contains("more edges than the nodes' edge_count fields declare (3)"),
        "{e}"
    );
    // Not whole edges or nodes.
    assert!(err(&minimal().replace(",2,2,14]", ",2,2]"))
        .message
        .contains("not a whole number of edges"));
    assert!(err(&minimal().replace(",16,0,0,0]", ",16,0,0]"))
        .message
        .contains("not a whole number of nodes"));
}

#[test]
fn structure_errors() {
    let m = meta();
    let e = err(r#"{"nodes":[9,0,1,0,0,0,0],"snapshot":{}}"#);
    assert!(
        e.message
            .contains("\"nodes\" before the \"snapshot\" header"),
        "{e}"
    );
    assert_eq!(e.offset, 1);
    let e = err(&format!(
        r#"{{"snapshot":{{"meta":{m}}},"edges":[],"nodes":[9,0,1,0,0,0,0],"strings":[""]}}"#
    ));
    assert!(e.message.contains("\"edges\" before \"nodes\""), "{e}");
    let e = err(&format!(
        r#"{{"snapshot":{{"meta":{m}}},"nodes":[9,0,1,0,0,0,0],"edges":[]}}"#
    ));
    assert!(e.message.contains("no \"strings\""), "{e}");
    let e = err(&format!(
        r#"{{"snapshot":{{"meta":{m}}},"nodes":[],"edges":[],"strings":[]}}"#
    ));
    assert!(e.message.contains("no nodes"), "{e}");
    let e = err(r#"{"snapshot":{"node_count":1}}"#);
    assert!(e.message.contains("no \"meta\""), "{e}");
    let no_id = m.replace(r#""id","#, r#""ident","#);
    let e = err(&format!(r#"{{"snapshot":{{"meta":{no_id}}}}}"#));
    assert!(e.message.contains("\"id\" once"), "{e}");
    // A string index past the strings.
    let e = err(&minimal().replace(",2,3,5,16,", ",2,4,5,16,"));
    assert!(
        e.message
            .contains("node 2 names string 4 but the snapshot has 4 strings"),
        "{e}"
    );
    let e = err(&minimal().replace("[1,1,7,2,2,14,", "[1,1,7,2,9,14,"));
    assert!(e.message.contains("edge 1 names string 9"), "{e}");
    // Element and hidden edges hold an index, not a string: no check.
    assert!(read(&minimal().replace("[1,1,7,", "[1,900,7,")).is_ok());
}

#[test]
fn an_absurd_node_count_reserves_only_what_the_file_can_hold() {
    let json = minimal().replace(
        r#""node_count":3,"edge_count":3"#,
        r#""node_count":4000000000000,"edge_count":9000000000000"#,
    );
    check_minimal(&read(&json).unwrap());
    let path = temp_file("absurd", json.as_bytes());
    let g = read_file(&path, &mut |_| {}).unwrap();
    check_minimal(&g);
    assert!(g.node_type.capacity() < 1000, "{}", g.node_type.capacity());
    std::fs::remove_file(path).unwrap();
}

/// A chain root -> 1 -> 2 -> … of `n` objects, big enough to cross buffer refills.
pub fn chain(n: usize) -> String {
    let mut nodes = String::from("9,0,1,0,1,0,0");
    let mut edges = String::new();
    for i in 1..=n {
        let last = i == n;
        nodes.push_str(&format!(
            ",\n3,1,{},{},{},0,0",
            2 * i + 1,
            8 + i % 5,
            if last { 0 } else { 1 }
        ));
    }
    for i in 1..=n {
        if !edges.is_empty() {
            edges.push(',');
        }
        edges.push_str(&format!("2,2,{}", 7 * i));
    }
    format!(
        r#"{{"snapshot":{{"meta":{},"node_count":{},"edge_count":{n}}},"nodes":[{nodes}],"edges":[{edges}],"strings":["","Link","next"]}}"#,
        meta(),
        n + 1
    )
}

#[test]
fn reports_progress_and_reads_across_buffer_refills() {
    let json = chain(300_000);
    let mut seen = Vec::new();
    let g = read_snapshot(json.as_bytes(), &mut |done| seen.push(done)).unwrap();
    assert_eq!(g.node_count(), 300_001);
    assert_eq!(g.edge_count(), 300_000);
    assert_eq!(g.edge_to[299_999], 300_000);
    assert_eq!(g.node_id[300_000], 600_001);
    assert!(!seen.is_empty(), "no progress over {} bytes", json.len());
    assert!(seen.windows(2).all(|w| w[0] < w[1]));
    assert_eq!(
        seen.last(),
        Some(&(json.len() as u64)),
        "the last report is the whole input"
    );
}

#[test]
fn read_node_ids_equals_the_ids_of_read_snapshot() {
    let json = minimal().replace(",3,1,3,24,", ",3,1,9,24,");
    let path = temp_file("ids", json.as_bytes());
    let g = read_file(&path, &mut |_| {}).unwrap();
    let mut ids = g.node_id.clone();
    ids.sort_unstable();
    assert_eq!(read_node_ids(&path, &mut |_| {}).unwrap(), ids);
    assert_eq!(ids, vec![1, 5, 9]);
    std::fs::remove_file(&path).unwrap();
    let json = chain(50_000);
    let path = temp_file("ids-chain", json.as_bytes());
    let ids = read_node_ids(&path, &mut |_| {}).unwrap();
    assert_eq!(ids.len(), 50_001);
    assert!(ids.windows(2).all(|w| w[0] < w[1]));
    std::fs::remove_file(&path).unwrap();
}

fn temp_file(tag: &str, bytes: &[u8]) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!(
        "leakwatch-reader-{tag}-{}.heapsnapshot",
        std::process::id()
    ));
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn no_single_byte_corruption_panics() {
    // Every byte of a snapshot (with every optional section) replaced by each token that
    // could confuse a scanner: an error or a graph, never a panic, and a graph that reads
    // must be consistent enough to compute dominators on.
    let json = minimal().replace(
        r#""trace_tree":[]"#,
        r#""trace_tree":[1,0,1,16,[2,1,1,8,[]]],"x":{"y":"\"}"}"#,
    );
    let bytes = json.as_bytes();
    let mut errors = 0;
    for at in 0..bytes.len() {
        for &b in b"x9,][\"\\{}:- \xff\x00" {
            let mut bad = bytes.to_vec();
            bad[at] = b;
            match read_bytes(&bad) {
                Ok(g) => {
                    assert_eq!(g.first_edge.len(), g.node_count() + 1);
                    assert!(g.edge_to.iter().all(|&t| (t as usize) < g.node_count()));
                    leakwatch_analyze::dominators(&g);
                }
                Err(e) => {
                    assert!(e.offset <= bad.len() as u64, "{e}");
                    errors += 1;
                }
            }
        }
    }
    assert!(
        errors > bytes.len(),
        "most corruptions must be caught ({errors})"
    );
}
