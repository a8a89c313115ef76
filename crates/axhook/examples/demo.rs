//! `make demo`: what a receiver answers to what aXcelerate (and an attacker) might send.
//!
//! Signs deliveries with the signer and feeds them to a [`Receiver`]: a valid delivery, its
//! retry, a tampered body, a downgrade to version 0 and a stale replay. Exits non-zero if any
//! answer is not the expected one.

use std::cell::Cell;

use axhook::chrono::{TimeDelta, Utc};
use axhook::signer::DeliveryBuilder;
use axhook::{MemoryStore, Receiver, Verifier};

const KEY: &str = "demo-private-key";

fn main() {
    let verifier = Verifier::builder()
        .key("current", KEY)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let receiver = Receiver::new(verifier, MemoryStore::new());
    let processed = Cell::new(0);
    let enrolment_attempts = Cell::new(0);
    let handler = |d: &axhook::Delivery<'_>| -> Result<(), String> {
        if d.event_type().matches("student.*") {
            // The first attempt fails (say, the CRM is down); aXcelerate's retry succeeds.
            enrolment_attempts.set(enrolment_attempts.get() + 1);
            if enrolment_attempts.get() == 1 {
                return Err("CRM unavailable".into());
            }
        }
        processed.set(processed.get() + 1);
        let message = d.message();
        let contact = message
            .pointer("/contact/id")
            .or_else(|| message.pointer("/enrolment/student/contactId"))
            .cloned()
            .unwrap_or_default();
        println!(
            "      handler: {} for contact {contact} from client {}",
            d.event_type(),
            d.client_id()
        );
        Ok(())
    };

    let valid = DeliveryBuilder::new("contact.contact_updated").sign(KEY);
    let mut tampered = valid.body.clone();
    let at = tampered.len() / 2;
    tampered[at] ^= 0x01;
    let downgrade = DeliveryBuilder::new("contact.contact_updated").unsigned();
    let stale = DeliveryBuilder::new("contact.contact_deleted")
        .timestamp(Utc::now() - TimeDelta::days(30))
        .sign(KEY);

    let enrolment = DeliveryBuilder::new("student.workshop_enrolment_created").sign(KEY);
    // What is sent, its headers and body, and the status and code a receiver must answer.
    type Case<'a> = (&'a str, &'a [(String, String)], &'a [u8], u16, &'a str);
    let cases: [Case<'_>; 7] = [
        (
            "valid delivery",
            &valid.headers,
            &valid.body,
            200,
            "processed",
        ),
        (
            "its retry (same messageId)",
            &valid.headers,
            &valid.body,
            200,
            "duplicate",
        ),
        (
            "tampered body",
            &valid.headers,
            &tampered,
            401,
            "signature_mismatch",
        ),
        (
            "downgrade to version 0",
            &downgrade.headers,
            &downgrade.body,
            401,
            "unsigned_rejected",
        ),
        (
            "replay 30 days old",
            &stale.headers,
            &stale.body,
            401,
            "timestamp_too_old",
        ),
        (
            "enrolment, handler fails",
            &enrolment.headers,
            &enrolment.body,
            500,
            "handler_failed",
        ),
        (
            "enrolment, sender's retry",
            &enrolment.headers,
            &enrolment.body,
            200,
            "processed",
        ),
    ];
    println!("axhook demo: a Receiver with key \"current\" and a MemoryStore\n");
    println!("  {:<28} {:>6}  {:<20} verdict", "sent", "status", "code");
    let mut wrong = 0;
    for (what, headers, body, status, code) in cases {
        let outcome = receiver.receive(headers, body, handler);
        let ok = outcome.http_status() == status && outcome.code() == code;
        wrong += usize::from(!ok);
        let mark = if ok { "ok" } else { "WRONG" };
        println!(
            "  {what:<28} {:>6}  {:<20} {mark}: {}",
            outcome.http_status(),
            outcome.code(),
            outcome.verdict
        );
    }
    let once = processed.get() == 2;
    println!(
        "\n  2 distinct deliveries sent {} times in all; handler succeeded {} time(s): {}",
        cases.len(),
        processed.get(),
        if once {
            "each processed exactly once"
        } else {
            "WRONG"
        }
    );
    if wrong > 0 || !once {
        eprintln!("demo: {wrong} unexpected outcome(s)");
        std::process::exit(1);
    }
}
