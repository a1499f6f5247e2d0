//! Themes: named roles ("warning", "selection", "pillar_empathy") mapped to styles.
//!
//! Views ask for a role, never for a colour, so a theme file decides every colour on screen.
//! The built-in themes (`themes/*.yaml`) are embedded; a theme of the same name in the user's
//! config folder (`<config>/themes/NAME.yaml`) wins over the built-in one, and other files
//! there add themes. `config.yaml` in the config folder chooses the theme (`theme: light`).
//! With `NO_COLOR` set, every colour is dropped and only bold, reverse and the like remain,
//! so selection and warnings stay visible.

use ratatui::style::{Color, Modifier, Style};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// The themes built into the binary, by name.
pub const BUILT_IN: [(&str, &str); 3] = [
    ("dark", include_str!("../../themes/dark.yaml")),
    ("light", include_str!("../../themes/light.yaml")),
    (
        "high-contrast",
        include_str!("../../themes/high-contrast.yaml"),
    ),
];

/// The theme used when the config names none, or names one that cannot be read.
pub const DEFAULT: &str = "dark";

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RoleSpec {
    fg: Option<String>,
    bg: Option<String>,
    #[serde(default)]
    bold: bool,
    #[serde(default)]
    italic: bool,
    #[serde(default)]
    underline: bool,
    #[serde(default)]
    reversed: bool,
}

#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ThemeFile {
    name: String,
    roles: BTreeMap<String, RoleSpec>,
}

/// A parsed theme: a style for each role.
#[derive(Clone, Debug, PartialEq)]
pub struct Theme {
    pub name: String,
    roles: BTreeMap<String, Style>,
    no_color: bool,
}

impl Theme {
    /// Parses a theme file; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Theme, String> {
        let file: ThemeFile =
            yaml_serde::from_str(text).map_err(|e| format!("theme {origin}: {e}"))?;
        let mut roles = BTreeMap::new();
        for (role, spec) in file.roles {
            let color = |c: &Option<String>| -> Result<Option<Color>, String> {
                c.as_ref()
                    .map(|s| {
                        s.parse::<Color>().map_err(|_| {
                            format!("theme {origin}: role '{role}': unknown colour '{s}'")
                        })
                    })
                    .transpose()
            };
            let mut style = Style::default();
            if let Some(fg) = color(&spec.fg)? {
                style = style.fg(fg);
            }
            if let Some(bg) = color(&spec.bg)? {
                style = style.bg(bg);
            }
            let mut m = Modifier::empty();
            m.set(Modifier::BOLD, spec.bold);
            m.set(Modifier::ITALIC, spec.italic);
            m.set(Modifier::UNDERLINED, spec.underline);
            m.set(Modifier::REVERSED, spec.reversed);
            roles.insert(role, style.add_modifier(m));
        }
        Ok(Theme {
            name: file.name,
            roles,
            no_color: false,
        })
    }

    /// The built-in default theme.
    pub fn fallback() -> Theme {
        // The embedded default is tested to parse; an empty theme is a safe last resort.
        Theme::parse(BUILT_IN[0].1, "dark").unwrap_or_else(|_| Theme {
            name: DEFAULT.into(),
            roles: BTreeMap::new(),
            no_color: false,
        })
    }

    /// Whether colours are dropped (`NO_COLOR`): then there is no theme to switch to.
    pub fn is_plain(&self) -> bool {
        self.no_color
    }

    /// The same theme with every colour dropped (for `NO_COLOR`).
    pub fn without_color(mut self) -> Theme {
        self.no_color = true;
        self
    }

    /// The style of a role; unknown roles fall back to `text`.
    pub fn style(&self, role: &str) -> Style {
        let style = self
            .roles
            .get(role)
            .or_else(|| self.roles.get("text"))
            .copied()
            .unwrap_or_default();
        if self.no_color {
            let mut s = Style::default().add_modifier(style.add_modifier);
            // Without colour, roles that only differed by colour must still stand out.
            if matches!(
                role,
                "selection" | "warning" | "error" | "gauge_warning" | "dirty"
            ) {
                s = s.add_modifier(if role == "selection" {
                    Modifier::REVERSED
                } else {
                    Modifier::BOLD
                });
            }
            if role == "selection_unfocused" {
                s = s.add_modifier(Modifier::UNDERLINED);
            }
            // Matrix zones and failing personas must stay apart without colour too.
            match role {
                "zone_green" => s = s.add_modifier(Modifier::REVERSED),
                "zone_amber" => s = s.add_modifier(Modifier::UNDERLINED),
                "fail" | "threshold" => s = s.add_modifier(Modifier::BOLD),
                _ => {}
            }
            s
        } else {
            style
        }
    }

    /// The base style of the whole screen.
    pub fn base(&self) -> Style {
        self.style("text")
    }

    /// The style of a block's border, brighter when it has the focus.
    pub fn border(&self, focused: bool) -> Style {
        self.style(if focused { "border_focused" } else { "border" })
    }

    /// The style of a selected line, dimmer when its pane does not have the focus.
    pub fn selection(&self, focused: bool) -> Style {
        self.style(if focused {
            "selection"
        } else {
            "selection_unfocused"
        })
    }

    pub fn pillar(&self, p: crate::model::Pillar) -> Style {
        self.style(&format!("pillar_{}", p.name()))
    }
}

/// Where the user's configuration lives: `$SCOREWRIGHT_CONFIG_DIR` when set (tests, portable
/// setups), else the platform's config folder for scorewright.
pub fn config_dir() -> Option<PathBuf> {
    if let Some(dir) = std::env::var_os("SCOREWRIGHT_CONFIG_DIR") {
        return Some(PathBuf::from(dir));
    }
    directories::ProjectDirs::from("", "", "scorewright").map(|d| d.config_dir().to_path_buf())
}

#[derive(Debug, Default, Deserialize)]
struct Config {
    #[serde(default)]
    theme: Option<String>,
}

/// Every theme there is: the built-in ones, overridden or joined by the user's.
#[derive(Clone, Debug)]
pub struct Themes {
    pub list: Vec<Theme>,
    /// The theme the config asked for.
    pub chosen: String,
    /// Problems met while loading (a bad user theme), to show once.
    pub problems: Vec<String>,
    /// The config folder they were loaded from, where a choice is remembered.
    pub dir: Option<PathBuf>,
}

impl Themes {
    /// Only the built-in themes, with the default chosen: for tests and when no config exists.
    pub fn built_in() -> Themes {
        Themes::load_from(None)
    }

    /// The built-in themes and those of the user's config folder.
    pub fn load() -> Themes {
        Themes::load_from(config_dir().as_deref())
    }

    pub fn load_from(dir: Option<&Path>) -> Themes {
        let mut problems = Vec::new();
        let mut list: Vec<Theme> = Vec::new();
        for (name, text) in BUILT_IN {
            match Theme::parse(text, name) {
                Ok(t) => list.push(t),
                Err(e) => problems.push(e),
            }
        }
        let mut chosen = DEFAULT.to_string();
        if let Some(dir) = dir {
            let theme_dir = dir.join("themes");
            if let Ok(entries) = std::fs::read_dir(&theme_dir) {
                let mut paths: Vec<PathBuf> = entries.flatten().map(|e| e.path()).collect();
                paths.sort();
                for p in paths {
                    if p.extension().and_then(|e| e.to_str()) != Some("yaml") {
                        continue;
                    }
                    let origin = p.display().to_string();
                    match std::fs::read_to_string(&p).map_err(|e| format!("{origin}: {e}")) {
                        Ok(text) => match Theme::parse(&text, &origin) {
                            Ok(t) => match list.iter_mut().find(|x| x.name == t.name) {
                                Some(slot) => *slot = t,
                                None => list.push(t),
                            },
                            Err(e) => problems.push(e),
                        },
                        Err(e) => problems.push(e),
                    }
                }
            }
            let cfg = dir.join("config.yaml");
            if let Ok(text) = std::fs::read_to_string(&cfg) {
                match yaml_serde::from_str::<Config>(&text) {
                    Ok(c) => {
                        if let Some(t) = c.theme {
                            if list.iter().any(|x| x.name == t) {
                                chosen = t;
                            } else {
                                problems.push(format!(
                                    "{}: no theme '{t}'; using '{DEFAULT}'",
                                    cfg.display()
                                ));
                            }
                        }
                    }
                    Err(e) => problems.push(format!("{}: {e}", cfg.display())),
                }
            }
        }
        Themes {
            list,
            chosen,
            problems,
            dir: dir.map(Path::to_path_buf),
        }
    }

    /// Writes the theme into `config.yaml` of the config folder, so that the next start uses
    /// it: the `theme:` line is replaced, or added; every other line stays as it was. Returns
    /// the file written, or None when there is no config folder (built-in themes only).
    pub fn remember(&self, name: &str) -> Result<Option<PathBuf>, String> {
        let Some(dir) = &self.dir else {
            return Ok(None);
        };
        let path = dir.join("config.yaml");
        let old = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
            Err(e) => return Err(format!("{}: {e}", path.display())),
        };
        let value = yaml_serde::to_string(name).map_err(|e| e.to_string())?;
        let line = format!("theme: {}", value.trim_end());
        let mut lines: Vec<String> = Vec::new();
        let mut replaced = false;
        for l in old.lines() {
            if !replaced && l.starts_with("theme:") {
                lines.push(line.clone());
                replaced = true;
            } else {
                lines.push(l.to_string());
            }
        }
        if !replaced {
            lines.push(line);
        }
        let mut text = lines.join("\n");
        text.push('\n');
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        crate::model::yaml::write_atomic(&path, text.as_bytes())
            .map_err(|e| format!("{}: {e}", path.display()))?;
        Ok(Some(path))
    }

    pub fn get(&self, name: &str) -> Theme {
        let t = self
            .list
            .iter()
            .find(|t| t.name == name)
            .cloned()
            .unwrap_or_else(Theme::fallback);
        if no_color() { t.without_color() } else { t }
    }

    /// The theme after `name`, in order, wrapping around.
    pub fn next_after(&self, name: &str) -> Theme {
        let i = self
            .list
            .iter()
            .position(|t| t.name == name)
            .map(|i| i + 1)
            .unwrap_or(0);
        let name = self
            .list
            .get(i % self.list.len().max(1))
            .map(|t| t.name.clone())
            .unwrap_or_default();
        self.get(&name)
    }
}

/// Whether the user asked for no colour (<https://no-color.org>: set and not empty).
pub fn no_color() -> bool {
    std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty())
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    const ROLES: [&str; 29] = [
        "text",
        "muted",
        "title",
        "header",
        "border",
        "border_focused",
        "selection",
        "selection_unfocused",
        "key",
        "ok",
        "warning",
        "error",
        "info",
        "gauge_ok",
        "gauge_warning",
        "gauge_empty",
        "open_question",
        "weight",
        "negative",
        "input",
        "dirty",
        "bar_before",
        "bar_after",
        "threshold",
        "zone_green",
        "zone_amber",
        "zone_none",
        "pass",
        "fail",
    ];

    #[test]
    fn every_shipped_theme_parses_and_names_every_role() {
        for (name, text) in BUILT_IN {
            let t = Theme::parse(text, name).unwrap();
            assert_eq!(t.name, name);
            for role in ROLES {
                assert!(t.roles.contains_key(role), "theme {name} lacks role {role}");
            }
            for p in crate::model::Pillar::ALL {
                assert!(
                    t.roles.contains_key(&format!("pillar_{}", p.name())),
                    "{name}: {p:?}"
                );
            }
        }
    }

    #[test]
    fn bad_colour_is_named() {
        let err =
            Theme::parse("name: x\nroles:\n  text: { fg: purplish }\n", "x.yaml").unwrap_err();
        assert!(err.contains("unknown colour 'purplish'"), "{err}");
    }

    #[test]
    fn user_theme_overrides_and_config_chooses() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("themes")).unwrap();
        std::fs::write(
            dir.path().join("themes/dark.yaml"),
            "name: dark\nroles:\n  text: { fg: red }\n",
        )
        .unwrap();
        std::fs::write(
            dir.path().join("themes/mine.yaml"),
            "name: mine\nroles:\n  text: { fg: blue }\n",
        )
        .unwrap();
        std::fs::write(dir.path().join("config.yaml"), "theme: mine\n").unwrap();
        let themes = Themes::load_from(Some(dir.path()));
        assert!(themes.problems.is_empty(), "{:?}", themes.problems);
        assert_eq!(themes.chosen, "mine");
        let dark = themes.list.iter().find(|t| t.name == "dark").unwrap();
        assert_eq!(dark.style("text").fg, Some(Color::Red));
        assert_eq!(themes.list.len(), 4);
    }

    #[test]
    fn a_chosen_theme_is_remembered_and_the_rest_of_the_config_kept() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = dir.path().join("config.yaml");
        std::fs::write(&cfg, "# my settings\ntheme: dark\nother: 1\n").unwrap();
        let themes = Themes::load_from(Some(dir.path()));
        assert_eq!(themes.chosen, "dark");
        assert_eq!(themes.remember("light").unwrap(), Some(cfg.clone()));
        assert_eq!(
            std::fs::read_to_string(&cfg).unwrap(),
            "# my settings\ntheme: light\nother: 1\n"
        );
        assert_eq!(Themes::load_from(Some(dir.path())).chosen, "light");
        // Without a config file, one is made; without a config folder, nothing is written.
        std::fs::remove_file(&cfg).unwrap();
        themes.remember("light").unwrap();
        assert_eq!(std::fs::read_to_string(&cfg).unwrap(), "theme: light\n");
        assert_eq!(Themes::built_in().remember("light").unwrap(), None);
    }

    #[test]
    fn no_color_keeps_only_modifiers() {
        let t = Theme::fallback().without_color();
        let s = t.style("selection");
        assert_eq!(s.fg, None);
        assert_eq!(s.bg, None);
        assert!(s.add_modifier.contains(Modifier::REVERSED));
    }
}
