//! CSV import of leads: RFC 4180 text into rows, what each header means, and rows grouped
//! into leads the way Close imports them (rows naming the same company become one lead with
//! several contacts). Pure, so the fuzzer can drive it; the services resolve custom fields,
//! statuses and members.

use crate::{Email, Phone};

/// The most rows, columns and characters per cell one import takes.
pub const MAX_ROWS: usize = 50_000;
pub const MAX_COLUMNS: usize = 200;
pub const MAX_CELL_CHARS: usize = 10_000;

/// Why a CSV text cannot be imported, with the line (1-based, counting the header) it was
/// found on; 0 for the file as a whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    pub line: usize,
    pub message: String,
}

impl std::fmt::Display for ImportError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.line == 0 {
            write!(f, "{}", self.message)
        } else {
            write!(f, "Line {}: {}", self.line, self.message)
        }
    }
}

fn err(line: usize, message: impl Into<String>) -> ImportError {
    ImportError {
        line,
        message: message.into(),
    }
}

/// One parsed record and the line it started on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Record {
    pub line: usize,
    pub cells: Vec<String>,
}

/// Splits CSV text into records: quoted cells may hold commas, quotes (doubled) and line
/// breaks; `\r\n`, `\n` and `\r` all end a record; a leading byte-order mark is dropped;
/// blank lines are skipped. A quote left open at the end is refused.
pub fn parse_csv(text: &str) -> Result<Vec<Record>, ImportError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut records = Vec::new();
    let mut cells: Vec<String> = Vec::new();
    let mut cell = String::new();
    let mut cell_chars = 0usize;
    let mut quoted = false;
    let mut was_quoted = false;
    let mut line = 1usize;
    let mut record_line = 1usize;
    let mut chars = text.chars().peekable();

    let push_char = |cell: &mut String, n: &mut usize, c: char, line: usize| {
        *n += 1;
        if *n > MAX_CELL_CHARS {
            return Err(err(
                line,
                format!("a cell is longer than {MAX_CELL_CHARS} characters."),
            ));
        }
        cell.push(c);
        Ok(())
    };

    while let Some(c) = chars.next() {
        if quoted {
            match c {
                '"' if chars.peek() == Some(&'"') => {
                    chars.next();
                    push_char(&mut cell, &mut cell_chars, '"', record_line)?;
                }
                '"' => quoted = false,
                _ => {
                    if c == '\n' || (c == '\r' && chars.peek() != Some(&'\n')) {
                        line += 1;
                    }
                    push_char(&mut cell, &mut cell_chars, c, record_line)?;
                }
            }
            continue;
        }
        match c {
            '"' if cell.is_empty() && !was_quoted => {
                quoted = true;
                was_quoted = true;
            }
            ',' => {
                end_cell(&mut cells, &mut cell, record_line)?;
                cell_chars = 0;
                was_quoted = false;
            }
            '\r' | '\n' => {
                if c == '\r' && chars.peek() == Some(&'\n') {
                    chars.next();
                }
                end_cell(&mut cells, &mut cell, record_line)?;
                cell_chars = 0;
                was_quoted = false;
                end_record(&mut records, &mut cells, record_line)?;
                line += 1;
                record_line = line;
            }
            _ => push_char(&mut cell, &mut cell_chars, c, record_line)?,
        }
    }
    if quoted {
        return Err(err(
            record_line,
            "a quoted cell is never closed (a \" is missing).",
        ));
    }
    if !cell.is_empty() || !cells.is_empty() || was_quoted {
        end_cell(&mut cells, &mut cell, record_line)?;
        end_record(&mut records, &mut cells, record_line)?;
    }
    Ok(records)
}

/// Writes records back as CSV text that [`parse_csv`] reads as the same cells: cells holding
/// a comma, quote, line break or leading byte-order mark are quoted, quotes doubled.
pub fn to_csv(records: &[Record]) -> String {
    let mut out = String::new();
    for r in records {
        for (i, cell) in r.cells.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            if cell.contains([',', '"', '\r', '\n']) || cell.starts_with('\u{feff}') {
                out.push('"');
                out.push_str(&cell.replace('"', "\"\""));
                out.push('"');
            } else {
                out.push_str(cell);
            }
        }
        out.push_str("\r\n");
    }
    out
}

/// The fuzzers' property: text [`parse_csv`] reads is written back by [`to_csv`] and read
/// again as the same cells. Panics otherwise.
pub fn check_round_trip(text: &str) {
    if let Ok(records) = parse_csv(text) {
        let again = match parse_csv(&to_csv(&records)) {
            Ok(r) => r,
            Err(e) => panic!("written CSV does not read back: {e}"),
        };
        let cells = |r: &[Record]| r.iter().map(|x| x.cells.clone()).collect::<Vec<_>>();
        assert_eq!(
            cells(&records),
            cells(&again),
            "CSV round trip changed cells"
        );
    }
}

fn end_cell(cells: &mut Vec<String>, cell: &mut String, line: usize) -> Result<(), ImportError> {
    if cells.len() >= MAX_COLUMNS {
        return Err(err(line, format!("more than {MAX_COLUMNS} columns.")));
    }
    cells.push(std::mem::take(cell));
    Ok(())
}

fn end_record(
    records: &mut Vec<Record>,
    cells: &mut Vec<String>,
    line: usize,
) -> Result<(), ImportError> {
    let cells = std::mem::take(cells);
    if cells.iter().all(|c| c.trim().is_empty()) {
        return Ok(());
    }
    if records.len() > MAX_ROWS {
        return Err(err(
            line,
            format!("an import takes at most {MAX_ROWS} rows; split the file."),
        ));
    }
    records.push(Record { line, cells });
    Ok(())
}

/// What a column holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    LeadName,
    Url,
    Description,
    Status,
    ContactName,
    ContactTitle,
    Email,
    Phone,
    Address1,
    Address2,
    City,
    State,
    Zipcode,
    Country,
    /// Anything else: a lead custom field's name or id, resolved by the services.
    Custom(String),
}

impl Column {
    /// The column a header names (case, spaces, dashes and underscores do not matter).
    pub fn from_header(header: &str) -> Self {
        let key: String = header
            .trim()
            .chars()
            .filter(|c| !matches!(c, ' ' | '_' | '-' | '.'))
            .flat_map(char::to_lowercase)
            .collect();
        match key.as_str() {
            "company" | "companyname" | "lead" | "leadname" | "name" | "organization"
            | "account" => Self::LeadName,
            "url" | "website" | "leadurl" | "companyurl" | "web" => Self::Url,
            "description" | "leaddescription" | "notes" => Self::Description,
            "status" | "leadstatus" => Self::Status,
            "contact" | "contactname" | "person" | "fullname" => Self::ContactName,
            "title" | "contacttitle" | "jobtitle" => Self::ContactTitle,
            "email" | "emails" | "contactemail" | "emailaddress" => Self::Email,
            "phone" | "phones" | "contactphone" | "phonenumber" | "telephone" => Self::Phone,
            "address" | "address1" | "street" | "addressline1" => Self::Address1,
            "address2" | "addressline2" => Self::Address2,
            "city" => Self::City,
            "state" | "region" | "province" => Self::State,
            "zip" | "zipcode" | "postalcode" | "postcode" => Self::Zipcode,
            "country" => Self::Country,
            _ => Self::Custom(header.trim().to_string()),
        }
    }
}

/// A header as written and what it means.
pub type NamedColumn = (String, Column);

/// A contact from one row.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportedContact {
    pub name: String,
    pub title: String,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
}

/// One lead to create: the rows that name it, merged.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImportedLead {
    /// The first line it came from, for messages.
    pub line: usize,
    pub name: String,
    pub url: String,
    pub description: String,
    pub status: String,
    /// address_1, address_2, city, state, zipcode, country (empty when no address column).
    pub address: Option<[String; 6]>,
    pub contacts: Vec<ImportedContact>,
    /// (custom column header, value) pairs, first non-empty value per column.
    pub custom: Vec<(String, String)>,
}

/// The header's columns and the leads the rows make. Rows with the same company name (case
/// aside) become one lead; a row without a company name is a lead named after its contact.
/// Emails and phone numbers are checked here (several in one cell split on `;` or `,`).
pub fn leads_from_csv(text: &str) -> Result<(Vec<NamedColumn>, Vec<ImportedLead>), ImportError> {
    let mut records = parse_csv(text)?.into_iter();
    let header = records.next().ok_or_else(|| {
        err(
            0,
            "The file is empty: it needs a header row and at least one row.",
        )
    })?;
    let columns: Vec<Column> = header
        .cells
        .iter()
        .map(|h| Column::from_header(h))
        .collect();
    for (i, c) in columns.iter().enumerate() {
        if let Column::Custom(h) = c
            && h.is_empty()
        {
            return Err(err(header.line, format!("column {} has no name.", i + 1)));
        }
        let dupe = columns[..i].iter().any(|d| match (d, c) {
            (Column::Custom(a), Column::Custom(b)) => a.eq_ignore_ascii_case(b),
            _ => d == c,
        });
        if dupe {
            return Err(err(
                header.line,
                format!("the column '{}' appears twice.", header.cells[i].trim()),
            ));
        }
    }
    if !columns
        .iter()
        .any(|c| matches!(c, Column::LeadName | Column::ContactName))
    {
        return Err(err(
            header.line,
            "the header needs a company (lead name) or a contact name column.",
        ));
    }
    let has_address = columns.iter().any(|c| {
        matches!(
            c,
            Column::Address1
                | Column::Address2
                | Column::City
                | Column::State
                | Column::Zipcode
                | Column::Country
        )
    });

    let mut leads: Vec<ImportedLead> = Vec::new();
    let mut by_name: std::collections::HashMap<String, usize> = Default::default();
    // parse_csv already refused more than MAX_ROWS rows after the header.
    for record in records {
        if record.cells.len() > columns.len()
            && record.cells[columns.len()..]
                .iter()
                .any(|c| !c.trim().is_empty())
        {
            return Err(err(
                record.line,
                format!(
                    "{} cells, but the header has {} columns.",
                    record.cells.len(),
                    columns.len()
                ),
            ));
        }
        let mut lead = ImportedLead {
            line: record.line,
            address: has_address.then(Default::default),
            ..Default::default()
        };
        let mut contact = ImportedContact::default();
        for (column, raw) in columns.iter().zip(record.cells.iter()) {
            let value = raw.trim();
            if value.is_empty() {
                continue;
            }
            let addr = |lead: &mut ImportedLead, i: usize| {
                if let Some(a) = lead.address.as_mut() {
                    a[i] = value.to_string();
                }
            };
            match column {
                Column::LeadName => lead.name = value.to_string(),
                Column::Url => lead.url = value.to_string(),
                Column::Description => lead.description = value.to_string(),
                Column::Status => lead.status = value.to_string(),
                Column::ContactName => contact.name = value.to_string(),
                Column::ContactTitle => contact.title = value.to_string(),
                Column::Email => {
                    for part in split_list(value) {
                        let email = Email::parse(part).map_err(|_| {
                            err(record.line, format!("'{part}' is not an email address."))
                        })?;
                        contact.emails.push(email.to_string());
                    }
                }
                Column::Phone => {
                    for part in split_list(value) {
                        let phone = Phone::parse(part).map_err(|_| {
                            err(record.line, format!("'{part}' is not a phone number."))
                        })?;
                        contact.phones.push(phone.to_string());
                    }
                }
                Column::Address1 => addr(&mut lead, 0),
                Column::Address2 => addr(&mut lead, 1),
                Column::City => addr(&mut lead, 2),
                Column::State => addr(&mut lead, 3),
                Column::Zipcode => addr(&mut lead, 4),
                Column::Country => addr(&mut lead, 5),
                Column::Custom(h) => lead.custom.push((h.clone(), value.to_string())),
            }
        }
        let has_contact = !contact.name.is_empty()
            || !contact.emails.is_empty()
            || !contact.phones.is_empty()
            || !contact.title.is_empty();
        if lead.name.is_empty() {
            if contact.name.is_empty() {
                return Err(err(
                    record.line,
                    "the row has neither a company name nor a contact name.",
                ));
            }
            lead.name = contact.name.clone();
        }
        if lead.name.chars().count() > 500 {
            return Err(err(record.line, "a lead name has at most 500 characters."));
        }
        let key = lead.name.to_lowercase();
        match by_name.get(&key) {
            Some(&i) => merge(&mut leads[i], lead, has_contact.then_some(contact)),
            None => {
                if has_contact {
                    lead.contacts.push(contact);
                }
                by_name.insert(key, leads.len());
                leads.push(lead);
            }
        }
    }
    if leads.is_empty() {
        return Err(err(0, "The file has a header but no rows to import."));
    }
    let named = header
        .cells
        .iter()
        .map(|h| h.trim().to_string())
        .zip(columns)
        .collect();
    Ok((named, leads))
}

/// Folds a later row naming the same lead into it: its contact joins, and lead fields the
/// earlier rows left empty are filled.
fn merge(into: &mut ImportedLead, row: ImportedLead, contact: Option<ImportedContact>) {
    for (slot, v) in [
        (&mut into.url, row.url),
        (&mut into.description, row.description),
        (&mut into.status, row.status),
    ] {
        if slot.is_empty() {
            *slot = v;
        }
    }
    if let (Some(a), Some(b)) = (into.address.as_mut(), row.address)
        && a.iter().all(String::is_empty)
    {
        *a = b;
    }
    for (h, v) in row.custom {
        if !into.custom.iter().any(|(k, _)| k == &h) {
            into.custom.push((h, v));
        }
    }
    if let Some(c) = contact {
        into.contacts.push(c);
    }
}

fn split_list(value: &str) -> impl Iterator<Item = &str> {
    value
        .split([';', ','])
        .map(str::trim)
        .filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_cells_keep_commas_quotes_and_line_breaks() {
        let r = parse_csv("\u{feff}a,b\r\n\"x, y\",\"say \"\"hi\"\"\nthere\"\n\n1,\n").unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].cells, vec!["a", "b"]);
        assert_eq!(r[1].cells, vec!["x, y", "say \"hi\"\nthere"]);
        assert_eq!(r[2].line, 5);
        assert_eq!(r[2].cells, vec!["1", ""]);
        assert!(
            parse_csv("a\n\"open")
                .unwrap_err()
                .message
                .contains("never closed")
        );
    }

    #[test]
    fn rows_of_one_company_become_one_lead_with_several_contacts() {
        let csv = "Company,Contact Name,Email,Phone,Status,City,Lead Owner\n\
                   Acme,Ann Lee,ann@acme.test,+1 415 555 0100,Qualified,Oakland,ann@corral.test\n\
                   acme,Bob Roe,bob@acme.test; b.roe@acme.test,,,,\n\
                   ,Solo Person,solo@x.test,,,,\n";
        let (cols, leads) = leads_from_csv(csv).unwrap();
        assert_eq!(
            cols[6],
            (
                "Lead Owner".to_string(),
                Column::Custom("Lead Owner".into())
            )
        );
        assert_eq!(cols[0].1, Column::LeadName);
        assert_eq!(leads.len(), 2);
        assert_eq!(leads[0].name, "Acme");
        assert_eq!(leads[0].status, "Qualified");
        assert_eq!(leads[0].contacts.len(), 2);
        assert_eq!(leads[0].contacts[1].emails.len(), 2);
        assert_eq!(leads[0].address.as_ref().unwrap()[2], "Oakland");
        assert_eq!(
            leads[0].custom,
            vec![("Lead Owner".to_string(), "ann@corral.test".to_string())]
        );
        assert_eq!(leads[1].name, "Solo Person");
        assert_eq!(leads[1].line, 4);
    }

    #[test]
    fn written_records_read_back_the_same() {
        let text = "\u{feff}a,\"b,c\"\n\"\u{feff}x\",\"q\"\"\"\n\"multi\nline\",  \r\n";
        check_round_trip(text);
        let records = parse_csv(text).unwrap();
        assert_eq!(records[1].cells, vec!["\u{feff}x", "q\""]);
    }

    #[test]
    fn blank_rows_are_skipped() {
        let (_, leads) = leads_from_csv("Company,Contact\n,\n,x\n").unwrap();
        assert_eq!(leads.len(), 1);
        assert_eq!((leads[0].name.as_str(), leads[0].line), ("x", 3));
    }

    #[test]
    fn bad_files_are_refused_with_the_line() {
        let bad = |csv: &str| leads_from_csv(csv).unwrap_err().to_string();
        assert!(bad("").contains("empty"));
        assert!(bad("Company\n").contains("no rows"));
        assert!(bad("Foo,Bar\nx,y\n").contains("company"));
        assert!(bad("Company,Company\nx,y\n").contains("twice"));
        assert!(bad("Company,Email\nAcme,not-an-email\n").starts_with("Line 2:"));
        assert!(bad("Company\nAcme,extra\n").contains("header has 1"));
        assert!(bad("Company,Title\n,CEO\n").contains("neither"));
        assert!(bad(&format!("Company\n{}\n", "x".repeat(MAX_CELL_CHARS + 1))).contains("longer"));
    }
}
