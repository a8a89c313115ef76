//! Event types: `namespace.event`, patterns such as `contact.*`, and the known catalogue.

use std::fmt;

/// A delivery's `type`: `namespace.event`, split at the first dot.
///
/// ```
/// use axhook::EventType;
/// let t = EventType::parse("contact.contact_merged").unwrap();
/// assert_eq!((t.namespace(), t.event()), ("contact", "contact_merged"));
/// assert!(t.matches("contact.*") && t.matches("*") && !t.matches("student.*"));
/// assert!(t.is_known());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct EventType {
    full: String,
    dot: usize,
}

impl EventType {
    /// Parses `namespace.event`; both parts must be non-empty.
    pub fn parse(text: impl Into<String>) -> Result<Self, String> {
        let full = text.into();
        match full.find('.') {
            Some(dot) if dot > 0 && dot + 1 < full.len() => Ok(Self { full, dot }),
            Some(_) => Err(format!(
                "{:?} must be namespace.event with both parts non-empty",
                shorten(&full)
            )),
            None => Err(format!(
                "{:?} must be namespace.event (no dot found)",
                shorten(&full)
            )),
        }
    }

    /// The whole type, for example `contact.contact_updated`.
    pub fn as_str(&self) -> &str {
        &self.full
    }

    /// The part before the first dot.
    pub fn namespace(&self) -> &str {
        &self.full[..self.dot]
    }

    /// The part after the first dot.
    pub fn event(&self) -> &str {
        &self.full[self.dot + 1..]
    }

    /// Whether the type matches `pattern`: `*` (everything), `namespace.*`, or an exact type.
    pub fn matches(&self, pattern: &str) -> bool {
        pattern_matches(pattern, &self.full)
    }

    /// Whether the type is in the catalogue of [`KNOWN_EVENTS`].
    pub fn is_known(&self) -> bool {
        KNOWN_EVENTS.contains(&self.full.as_str())
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.full)
    }
}

impl fmt::Debug for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "EventType({:?})", self.full)
    }
}

/// Whether an event type matches `pattern`: `*`, `namespace.*`, or the exact type.
pub fn pattern_matches(pattern: &str, event_type: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some("") => true,
        Some(prefix) if prefix.ends_with('.') => event_type.starts_with(prefix),
        _ => pattern == event_type,
    }
}

fn shorten(text: &str) -> String {
    text.chars().take(64).collect()
}

/// The event types aXcelerate is known to send. The list is open: unknown types still flow.
pub const KNOWN_EVENTS: &[&str] = &[
    "contact.contact_created",
    "contact.contact_updated",
    "contact.contact_deleted",
    "contact.contact_merged",
    "student.workshop_enrolment_created",
    "student.workshop_enrolment_updated",
    "student.workshop_enrolment_deleted",
    "student.workshop_enrolment_status_changed",
    "student.class_enrolment_created",
    "student.class_enrolment_updated",
    "student.class_enrolment_deleted",
    "student.class_enrolment_status_changed",
    "student.unit_enrolment_created",
    "student.unit_enrolment_status_changed",
    "student.activity_enrolment_created",
    "student.activity_enrolment_updated",
    "student.activity_enrolment_deleted",
    "course.venue_created",
    "course.venue_updated",
    "course.venue_deleted",
    "course.qualification_created",
    "course.qualification_updated",
    "course.qualification_deleted",
    "course.workshop_type_created",
    "course.workshop_type_updated",
    "course.workshop_type_deleted",
    "course.workshop_created",
    "course.workshop_updated",
    "course.workshop_deleted",
    "course.class_created",
    "course.class_updated",
    "course.class_deleted",
    "calendar.event_created",
    "calendar.event_updated",
    "calendar.event_deleted",
    "trainer.trainer_created",
    "trainer.trainer_updated",
    "trainer.trainer_deleted",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_splits_at_first_dot() {
        let t = EventType::parse("a.b.c").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!((t.namespace(), t.event()), ("a", "b.c"));
        assert!(EventType::parse("nodot").is_err());
        assert!(EventType::parse(".x").is_err());
        assert!(EventType::parse("x.").is_err());
    }

    #[test]
    fn patterns() {
        assert!(pattern_matches("*", "x.y"));
        assert!(pattern_matches("contact.*", "contact.contact_created"));
        assert!(!pattern_matches("contact.*", "contacts.x"));
        assert!(pattern_matches("a.b", "a.b"));
        assert!(!pattern_matches("a.b*", "a.bc"));
    }

    #[test]
    fn catalogue_parses_and_is_unique() {
        let mut seen = std::collections::HashSet::new();
        for t in KNOWN_EVENTS {
            assert!(EventType::parse(*t).is_ok_and(|e| e.is_known()));
            assert!(seen.insert(t));
        }
    }
}
