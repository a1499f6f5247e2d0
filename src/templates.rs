//! The example models the product ships, built into the binary: `new` starts from them and the
//! designer opens the first one when run with no model.

use std::path::{Path, PathBuf};

pub struct Template {
    pub name: &'static str,
    /// The model's file name in `examples/`.
    pub file: &'static str,
    pub description: &'static str,
    pub model: &'static str,
    /// The sample contacts file named by the model's `contacts` key, when it ships one.
    pub contacts: Option<&'static str>,
    /// The accounts file named by the model's `accounts.file`, when it ships one.
    pub accounts: Option<&'static str>,
}

impl Template {
    pub fn file_name(&self) -> &'static str {
        self.file
    }
}

pub const ALL: [Template; 6] = [
    Template {
        name: "lead-fit-activity",
        file: "lead-fit-activity.yaml",
        description: "B2B lead scoring: Fit and Activity, graded A-D and 1-4 into the A1-D4 matrix",
        model: include_str!("../examples/lead-fit-activity.yaml"),
        contacts: Some(include_str!("../examples/lead-fit-activity.csv")),
        accounts: None,
    },
    Template {
        name: "b2b-customer",
        file: "b2b-customer.yaml",
        description: "Customer scoring: expansion and attrition journeys, routing to account managers",
        model: include_str!("../examples/b2b-customer.yaml"),
        contacts: Some(include_str!("../examples/b2b-customer.csv")),
        accounts: None,
    },
    Template {
        name: "b2c-hot-warm-cold",
        file: "b2c-hot-warm-cold.yaml",
        description: "B2C scoring with fast decay: hot, lukewarm, cold, automated handover",
        model: include_str!("../examples/b2c-hot-warm-cold.yaml"),
        contacts: Some(include_str!("../examples/b2c-hot-warm-cold.csv")),
        accounts: None,
    },
    Template {
        name: "x-education",
        file: "x-education.yaml",
        description: "A model for the public X Education lead export (Leads.csv)",
        model: include_str!("../examples/x-education.yaml"),
        contacts: None,
        accounts: None,
    },
    Template {
        name: "telco-churn",
        file: "telco-churn.yaml",
        description: "Customer attrition for the public Telco Customer Churn export, routed to retention",
        model: include_str!("../examples/telco-churn.yaml"),
        contacts: None,
        accounts: None,
    },
    Template {
        name: "abm-buying-group",
        file: "abm-buying-group.yaml",
        description: "Account-based marketing: contacts rolled up into accounts scored on their buying group",
        model: include_str!("../examples/abm-buying-group.yaml"),
        contacts: Some(include_str!("../examples/abm-buying-group.csv")),
        accounts: Some(include_str!("../examples/abm-buying-group-accounts.csv")),
    },
];

/// The example the designer opens with no model.
pub fn builtin() -> &'static Template {
    &ALL[0]
}

pub fn find(name: &str) -> Option<&'static Template> {
    let n = name.trim().trim_end_matches(".yaml");
    ALL.iter().find(|t| t.name.eq_ignore_ascii_case(n))
}

/// The name of the contacts file a template's model refers to.
fn contacts_name(t: &Template) -> Option<String> {
    let model = crate::model::parse_model(t.model, t.file_name()).ok()?;
    model.contacts
}

/// The name of the accounts file a template's model refers to.
fn accounts_name(t: &Template) -> Option<String> {
    let model = crate::model::parse_model(t.model, t.file_name()).ok()?;
    model.accounts?.file
}

/// A file `write` wrote, and whether it replaced one that was there.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Written {
    pub path: PathBuf,
    pub replaced: bool,
}

/// Writes a template's model to `path`, and its sample contacts (and accounts file) beside it
/// under the names the model gives them. Refuses to overwrite anything unless `force`, naming every file that is
/// there (the contacts file beside the model too); refuses, even with `force`, a model path
/// that is the contacts file itself.
pub fn write(t: &Template, path: &Path, force: bool) -> anyhow::Result<Vec<Written>> {
    let mut planned: Vec<(PathBuf, &str)> = vec![(path.to_path_buf(), t.model)];
    if let (Some(csv), Some(name)) = (t.contacts, contacts_name(t)) {
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let contacts = dir.join(name);
        if contacts == path || crate::files::same_file(&contacts, path) {
            anyhow::bail!(
                "{}: is where the template's sample contacts go: give the model another name",
                path.display()
            );
        }
        planned.push((contacts, csv));
    }
    if let (Some(csv), Some(name)) = (t.accounts, accounts_name(t)) {
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        let accounts = dir.join(name);
        if accounts == path || crate::files::same_file(&accounts, path) {
            anyhow::bail!(
                "{}: is where the template's accounts file goes: give the model another name",
                path.display()
            );
        }
        planned.push((accounts, csv));
    }
    let existing: Vec<String> = planned
        .iter()
        .filter(|(p, _)| p.exists())
        .map(|(p, _)| p.display().to_string())
        .collect();
    if !existing.is_empty() && !force {
        anyhow::bail!(
            "{} already exist{}: pass --force to overwrite {}",
            existing.join(" and "),
            if existing.len() == 1 { "s" } else { "" },
            if existing.len() == 1 { "it" } else { "them" }
        );
    }
    let planned: Vec<(Written, &str)> = planned
        .into_iter()
        .map(|(path, text)| {
            let replaced = path.exists();
            (Written { path, replaced }, text)
        })
        .collect();
    for (Written { path: p, .. }, text) in &planned {
        if let Some(dir) = p.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir)
                .map_err(|e| anyhow::anyhow!("{}: cannot create the folder: {e}", dir.display()))?;
        }
        crate::model::yaml::write_atomic(p, text.as_bytes())
            .map_err(|e| anyhow::anyhow!("{}: cannot write it: {e}", p.display()))?;
    }
    Ok(planned.into_iter().map(|(w, _)| w).collect())
}
