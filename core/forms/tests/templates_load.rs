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

/// A schedule rule names a tag; a tag no household can hold makes the rule dead.
#[test]
fn every_schedule_tag_of_a_built_in_template_is_a_built_in_tag() {
    let known: Vec<String> = doorstep_model::builtin_tags()
        .into_iter()
        .map(|t| t.code)
        .collect();
    for def in doorstep_forms::templates::definitions().expect("built-ins load") {
        let Some(schedule) = &def.schedule else {
            continue;
        };
        let tags = schedule
            .rules
            .iter()
            .map(|r| &r.tag)
            .chain(schedule.campaigns.iter().flat_map(|c| &c.tags));
        for tag in tags {
            assert!(
                known.contains(tag),
                "{}: schedule tag {tag:?} is not a built-in tag",
                def.id
            );
        }
    }
}
