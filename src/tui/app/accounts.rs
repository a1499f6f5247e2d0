//! The preview's accounts table: `a` switches the table between the contacts and their
//! accounts, `Enter` on an account lists its contacts and `Enter` (or `Esc`) goes back, the
//! arrows move in whichever is shown. The numbers are the preview step's
//! (`tui::accounts::step`); here is only where the cursor is.

use super::*;
use crate::tui::accounts::{AccountsTable, Drill};

impl App {
    /// Whether the model has an accounts block, so that `a` offers the accounts table.
    pub fn has_accounts(&self) -> bool {
        self.preview.is_some() && self.model.accounts.is_some()
    }

    /// Whether the preview shows the accounts table (or one account's contacts).
    pub fn showing_accounts(&self) -> bool {
        self.preview
            .as_ref()
            .is_some_and(|p| p.accounts_table.is_some())
    }

    /// The accounts of the newest result, when there are any.
    fn accounts_now(&self) -> Option<std::sync::Arc<crate::tui::accounts::AccountsComputed>> {
        self.preview.as_ref()?.result.as_ref()?.accounts.clone()
    }

    pub(super) fn accounts_action(&mut self, action: &Action) {
        let computed = self.accounts_now();
        let Some(p) = &mut self.preview else { return };
        match action {
            Action::ToggleAccounts => {
                p.accounts_table = match p.accounts_table {
                    Some(_) => None,
                    None => Some(AccountsTable::default()),
                };
            }
            Action::DrillAccount => {
                let Some(t) = &mut p.accounts_table else {
                    return;
                };
                if t.drill.take().is_some() {
                    return;
                }
                let Some(a) = computed else { return };
                if t.cursor < a.accounts.book.ids.len() {
                    t.drill = Some(Drill {
                        account: t.cursor,
                        rows: a.members(t.cursor),
                        cursor: 0,
                        offset: 0,
                    });
                }
            }
            _ => {}
        }
    }

    /// The preview's moves while the accounts table is shown: the arrows and pages move its
    /// cursor, `Esc` leaves an account's contacts before it leaves the preview. False for
    /// every other action, and when the contacts are shown.
    pub(super) fn update_accounts_table(&mut self, action: &Action) -> bool {
        if self.mode() != Mode::Preview {
            return false;
        }
        let h = self.preview_table_height();
        let count = self.accounts_now().map_or(0, |a| a.accounts.book.ids.len());
        let Some(t) = self
            .preview
            .as_mut()
            .and_then(|p| p.accounts_table.as_mut())
        else {
            return false;
        };
        let by = match action {
            Action::Up => -1,
            Action::Down => 1,
            Action::PageUp => -(h as i64),
            Action::PageDown => h as i64,
            Action::Top => i64::MIN / 2,
            Action::Bottom => i64::MAX / 2,
            Action::TogglePreview if t.drill.is_some() => {
                t.drill = None;
                return true;
            }
            _ => return false,
        };
        t.step(by, count, h);
        true
    }
}
