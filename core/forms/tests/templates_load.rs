//! Every built-in template loads, and its id matches its catalogue entry.

#[test]
fn every_builtin_template_loads() {
    let ids: Vec<_> = doorstep_forms::templates::ids().collect();
    assert_eq!(ids.len(), 14);
    for id in ids {
        let form = doorstep_forms::templates::load(id)
            .expect("listed")
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(form.id(), id);
        assert!(!form.definition().title.zh.is_empty() && !form.definition().title.en.is_empty());
    }
}
