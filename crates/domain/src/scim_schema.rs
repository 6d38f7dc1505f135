//! The SCIM schemas Corral serves (RFC 7643 §4 and §8.7): what `/Schemas` publishes and what
//! requests are checked against. One table drives both, so the document and the validation
//! can never disagree.

use serde_json::{Value, json};

use crate::scim::{ENTERPRISE_SCHEMA, GROUP_SCHEMA, ScimError, USER_SCHEMA};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AttrType {
    String,
    Boolean,
    Complex,
    Reference,
    DateTime,
}

impl AttrType {
    fn name(self) -> &'static str {
        match self {
            AttrType::String => "string",
            AttrType::Boolean => "boolean",
            AttrType::Complex => "complex",
            AttrType::Reference => "reference",
            AttrType::DateTime => "dateTime",
        }
    }
}

/// One attribute of a schema.
#[derive(Debug, Clone, Copy)]
pub struct AttrDef {
    pub name: &'static str,
    pub kind: AttrType,
    pub multi: bool,
    pub required: bool,
    /// readWrite, readOnly, immutable or writeOnly.
    pub mutability: &'static str,
    /// always, default, never or request.
    pub returned: &'static str,
    /// none, server or global.
    pub uniqueness: &'static str,
    pub case_exact: bool,
    pub subs: &'static [AttrDef],
    pub reference_types: &'static [&'static str],
    pub description: &'static str,
}

const fn s(name: &'static str, description: &'static str) -> AttrDef {
    AttrDef {
        name,
        kind: AttrType::String,
        multi: false,
        required: false,
        mutability: "readWrite",
        returned: "default",
        uniqueness: "none",
        case_exact: false,
        subs: &[],
        reference_types: &[],
        description,
    }
}

const fn boolean(name: &'static str, description: &'static str) -> AttrDef {
    AttrDef {
        kind: AttrType::Boolean,
        ..s(name, description)
    }
}

const fn complex(
    name: &'static str,
    subs: &'static [AttrDef],
    description: &'static str,
) -> AttrDef {
    AttrDef {
        kind: AttrType::Complex,
        subs,
        ..s(name, description)
    }
}

const fn multi(a: AttrDef) -> AttrDef {
    AttrDef { multi: true, ..a }
}

const fn read_only(a: AttrDef) -> AttrDef {
    AttrDef {
        mutability: "readOnly",
        ..a
    }
}

const fn reference(
    name: &'static str,
    to: &'static [&'static str],
    description: &'static str,
) -> AttrDef {
    AttrDef {
        kind: AttrType::Reference,
        reference_types: to,
        case_exact: true,
        ..s(name, description)
    }
}

const TYPED_VALUE: [AttrDef; 3] = [
    AttrDef {
        required: true,
        ..s("value", "The value.")
    },
    s("type", "A label such as 'work' or 'home'."),
    boolean("primary", "Whether this is the primary value."),
];

const NAME: [AttrDef; 6] = [
    s("formatted", "The full name for display."),
    s("familyName", "Family name; Corral's last name."),
    s("givenName", "Given name; Corral's first name."),
    s("middleName", "Middle name."),
    s("honorificPrefix", "Honorific prefix."),
    s("honorificSuffix", "Honorific suffix."),
];

const ADDRESS: [AttrDef; 8] = [
    s("formatted", "The full address."),
    s("streetAddress", "Street."),
    s("locality", "City."),
    s("region", "State or region."),
    s("postalCode", "Postal code."),
    s("country", "Country."),
    s("type", "A label such as 'work'."),
    boolean("primary", "Whether this is the primary address."),
];

const USER_GROUP: [AttrDef; 3] = [
    read_only(AttrDef {
        case_exact: true,
        ..s("value", "The group's id.")
    }),
    read_only(reference("$ref", &["Group"], "The group's URI.")),
    read_only(s("display", "The group's name.")),
];

/// The core User schema as Corral keeps it.
pub const USER_ATTRIBUTES: &[AttrDef] = &[
    AttrDef {
        required: true,
        uniqueness: "server",
        ..s(
            "userName",
            "Unique sign-in name; when it is an email address it is the member's email.",
        )
    },
    complex("name", &NAME, "The member's name."),
    s("displayName", "The name shown for the member."),
    s("nickName", "Casual name."),
    s("title", "Job title."),
    s("userType", "Kind of user in the organization."),
    s("preferredLanguage", "Preferred language."),
    s("locale", "Locale."),
    s("timezone", "Time zone."),
    AttrDef {
        required: true,
        ..boolean(
            "active",
            "Whether the member may sign in; false deactivates them. Corral takes a missing value as true.",
        )
    },
    AttrDef {
        mutability: "writeOnly",
        returned: "never",
        case_exact: true,
        ..s("password", "Sets the member's password; never returned.")
    },
    AttrDef {
        required: true,
        ..multi(complex(
            "emails",
            &TYPED_VALUE,
            "Email addresses; the primary one is the member's email when userName is not one.",
        ))
    },
    multi(complex("phoneNumbers", &TYPED_VALUE, "Phone numbers.")),
    multi(complex("addresses", &ADDRESS, "Postal addresses.")),
    read_only(multi(complex(
        "groups",
        &USER_GROUP,
        "Groups the member belongs to.",
    ))),
];

const MANAGER: [AttrDef; 2] = [
    AttrDef {
        case_exact: true,
        ..s("value", "The manager's user id.")
    },
    reference("$ref", &["User"], "The manager's URI."),
];

/// The enterprise User extension.
pub const ENTERPRISE_ATTRIBUTES: &[AttrDef] = &[
    s("employeeNumber", "Employee number."),
    s("costCenter", "Cost center."),
    s("organization", "Organization."),
    s("division", "Division."),
    s("department", "Department."),
    complex(
        "manager",
        &MANAGER,
        "Who the member reports to (Corral's reporting line).",
    ),
];

const GROUP_MEMBER: [AttrDef; 4] = [
    AttrDef {
        mutability: "immutable",
        case_exact: true,
        ..s("value", "The member's user id.")
    },
    AttrDef {
        mutability: "immutable",
        ..reference("$ref", &["User"], "The member's URI.")
    },
    // Providers send these (Okta: the member's display name); Corral does not keep them.
    read_only(s(
        "display",
        "The member's name, as the provider sent it; not kept.",
    )),
    read_only(s("type", "The kind of member; always a User.")),
];

/// The core Group schema.
pub const GROUP_ATTRIBUTES: &[AttrDef] = &[
    AttrDef {
        required: true,
        uniqueness: "server",
        ..s("displayName", "The group's name in the workspace.")
    },
    multi(complex("members", &GROUP_MEMBER, "The group's members.")),
];

/// Attributes every resource has (RFC 7643 §3.1).
pub const COMMON: &[&str] = &["id", "externalId", "meta", "schemas"];

fn attr_json(a: &AttrDef) -> Value {
    let mut v = json!({
        "name": a.name,
        "type": a.kind.name(),
        "multiValued": a.multi,
        "description": a.description,
        "required": a.required,
        "caseExact": a.case_exact,
        "mutability": a.mutability,
        "returned": a.returned,
        "uniqueness": a.uniqueness,
    });
    if !a.subs.is_empty() {
        v["subAttributes"] = a.subs.iter().map(attr_json).collect();
    }
    if !a.reference_types.is_empty() {
        v["referenceTypes"] = json!(a.reference_types);
    }
    v
}

/// The `/Schemas` resources.
pub fn schemas(base: &str) -> Vec<Value> {
    let one = |id: &str, name: &str, description: &str, attrs: &[AttrDef]| {
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
            "id": id,
            "name": name,
            "description": description,
            "attributes": attrs.iter().map(attr_json).collect::<Vec<_>>(),
            "meta": {"resourceType": "Schema", "location": format!("{base}/Schemas/{id}")},
        })
    };
    vec![
        one(
            USER_SCHEMA,
            "User",
            "A member of the organization.",
            USER_ATTRIBUTES,
        ),
        one(
            ENTERPRISE_SCHEMA,
            "EnterpriseUser",
            "Enterprise attributes of a member.",
            ENTERPRISE_ATTRIBUTES,
        ),
        one(
            GROUP_SCHEMA,
            "Group",
            "A group of members in the workspace.",
            GROUP_ATTRIBUTES,
        ),
    ]
}

/// The `/ResourceTypes` resources.
pub fn resource_types(base: &str) -> Vec<Value> {
    vec![
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "Members of the organization",
            "schema": USER_SCHEMA,
            "schemaExtensions": [{"schema": ENTERPRISE_SCHEMA, "required": false}],
            "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/User")},
        }),
        json!({
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "Group",
            "name": "Group",
            "endpoint": "/Groups",
            "description": "Groups of members in the workspace",
            "schema": GROUP_SCHEMA,
            "meta": {"resourceType": "ResourceType", "location": format!("{base}/ResourceTypes/Group")},
        }),
    ]
}

/// The attribute table of a resource's core schema and, for users, the extension's.
pub fn attributes_of(core: &str) -> (&'static [AttrDef], &'static [AttrDef]) {
    if core == USER_SCHEMA {
        (USER_ATTRIBUTES, ENTERPRISE_ATTRIBUTES)
    } else {
        (GROUP_ATTRIBUTES, &[])
    }
}

fn find<'a>(defs: &'a [AttrDef], name: &str) -> Option<&'a AttrDef> {
    defs.iter().find(|a| a.name.eq_ignore_ascii_case(name))
}

/// Whether `path` names an attribute of the resource (used for filters and PATCH paths).
pub fn knows(core: &str, path: &crate::scim::AttrPath) -> bool {
    let (defs, ext) = attributes_of(core);
    if let Some(ns) = path.namespace() {
        return !ext.is_empty() && ns.eq_ignore_ascii_case(ENTERPRISE_SCHEMA);
    }
    let defs = match path.schema.as_deref() {
        Some(u) if u.eq_ignore_ascii_case(core) => defs,
        Some(u) if u.eq_ignore_ascii_case(ENTERPRISE_SCHEMA) && core == USER_SCHEMA => ext,
        Some(_) => return false,
        None => {
            if path.attr.eq_ignore_ascii_case("meta") {
                return path.sub.as_deref().is_none_or(|s| {
                    [
                        "resourceType",
                        "created",
                        "lastModified",
                        "location",
                        "version",
                    ]
                    .iter()
                    .any(|m| m.eq_ignore_ascii_case(s))
                });
            }
            if COMMON.iter().any(|c| c.eq_ignore_ascii_case(&path.attr)) {
                return path.sub.is_none();
            }
            defs
        }
    };
    match (find(defs, &path.attr), &path.sub) {
        (Some(_), None) => true,
        (Some(a), Some(sub)) => find(a.subs, sub).is_some(),
        (None, _) => false,
    }
}

/// Checks a POST or PUT body: it names the resource's core schema, and every attribute is
/// one the schema has with a value of the right shape. Read-only attributes are ignored,
/// as RFC 7644 §3.5.1 says.
pub fn check_body(core: &str, body: &Value) -> Result<(), ScimError> {
    let obj = body
        .as_object()
        .ok_or_else(|| ScimError::invalid_syntax("The request body is a JSON object."))?;
    let schemas = obj
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("schemas"))
        .and_then(|(_, v)| v.as_array())
        .ok_or_else(|| {
            ScimError::invalid_syntax(format!("The body names its 'schemas', including '{core}'."))
        })?;
    let (defs, ext) = attributes_of(core);
    let mut has_core = false;
    for s in schemas {
        match s.as_str() {
            Some(x) if x.eq_ignore_ascii_case(core) => has_core = true,
            Some(x) if x.eq_ignore_ascii_case(ENTERPRISE_SCHEMA) && !ext.is_empty() => {}
            Some(x) => {
                return Err(ScimError::invalid_value(format!(
                    "'{x}' is not a schema of this resource."
                )));
            }
            None => return Err(ScimError::invalid_syntax("'schemas' holds strings.")),
        }
    }
    if !has_core {
        return Err(ScimError::invalid_value(format!(
            "'schemas' must include '{core}'."
        )));
    }
    for (k, v) in obj {
        if COMMON.iter().any(|c| c.eq_ignore_ascii_case(k)) {
            if k.eq_ignore_ascii_case("externalId") && !(v.is_string() || v.is_null()) {
                return Err(ScimError::invalid_value("'externalId' is a string."));
            }
            continue;
        }
        if !ext.is_empty() && k.eq_ignore_ascii_case(ENTERPRISE_SCHEMA) {
            let e = v.as_object().ok_or_else(|| {
                ScimError::invalid_value(format!("'{ENTERPRISE_SCHEMA}' is an object."))
            })?;
            for (ek, ev) in e {
                let def = find(ext, ek).ok_or_else(|| {
                    ScimError::invalid_value(format!(
                        "'{ek}' is not an attribute of {ENTERPRISE_SCHEMA}."
                    ))
                })?;
                check_value(def, ev)?;
            }
            continue;
        }
        let def = find(defs, k).ok_or_else(|| {
            ScimError::invalid_value(format!("'{k}' is not an attribute of {core}."))
        })?;
        check_value(def, v)?;
    }
    Ok(())
}

fn check_value(def: &AttrDef, v: &Value) -> Result<(), ScimError> {
    if v.is_null() || def.mutability == "readOnly" {
        return Ok(());
    }
    if def.multi {
        let items = v
            .as_array()
            .ok_or_else(|| ScimError::invalid_value(format!("'{}' is a list.", def.name)))?;
        let one = AttrDef {
            multi: false,
            ..*def
        };
        for i in items {
            check_value(&one, i)?;
        }
        return Ok(());
    }
    let ok = match def.kind {
        AttrType::String | AttrType::Reference | AttrType::DateTime => v.is_string(),
        // Some providers (Entra) send booleans as "True"/"False".
        AttrType::Boolean => v.is_boolean() || as_bool(v).is_some(),
        AttrType::Complex => match v.as_object() {
            Some(o) => {
                for (k, sv) in o {
                    let sub = find(def.subs, k).ok_or_else(|| {
                        ScimError::invalid_value(format!(
                            "'{}' has no sub-attribute '{k}'.",
                            def.name
                        ))
                    })?;
                    check_value(sub, sv)?;
                }
                true
            }
            None => false,
        },
    };
    if ok {
        Ok(())
    } else {
        Err(ScimError::invalid_value(format!(
            "'{}' is a {}{}.",
            def.name,
            def.kind.name(),
            if def.kind == AttrType::Complex {
                " object"
            } else {
                ""
            }
        )))
    }
}

/// A boolean, also from the strings "true"/"false" in any case.
pub fn as_bool(v: &Value) -> Option<bool> {
    match v {
        Value::Bool(b) => Some(*b),
        Value::String(s) if s.eq_ignore_ascii_case("true") => Some(true),
        Value::String(s) if s.eq_ignore_ascii_case("false") => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scim::AttrPath;

    #[test]
    fn bodies_are_checked_against_the_schema() {
        let ok = json!({"schemas": [USER_SCHEMA], "userName": "a@b.c", "emails": [{"value": "a@b.c"}], "active": "False", "groups": 5});
        assert!(check_body(USER_SCHEMA, &ok).is_ok());
        let e = check_body(
            USER_SCHEMA,
            &json!({"schemas": [GROUP_SCHEMA], "userName": "a"}),
        )
        .unwrap_err();
        assert_eq!(e.scim_type, Some("invalidValue"));
        let e = check_body(
            USER_SCHEMA,
            &json!({"schemas": [USER_SCHEMA], "shoeSize": 44}),
        )
        .unwrap_err();
        assert!(e.detail.contains("shoeSize"));
        let e = check_body(
            USER_SCHEMA,
            &json!({"schemas": [USER_SCHEMA], "emails": "a@b.c"}),
        )
        .unwrap_err();
        assert_eq!(e.scim_type, Some("invalidValue"));
        assert_eq!(
            check_body(USER_SCHEMA, &json!({"userName": "a"}))
                .unwrap_err()
                .scim_type,
            Some("invalidSyntax")
        );
    }

    #[test]
    fn known_paths() {
        let k = |p: &str| knows(USER_SCHEMA, &AttrPath::parse(p).unwrap());
        assert!(
            k("userName")
                && k("name.givenName")
                && k("emails.value")
                && k("meta.lastModified")
                && k("externalId")
        );
        assert!(k(
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value"
        ));
        assert!(!k("shoeSize") && !k("name.shoe") && !k("urn:example:x:foo"));
        assert!(knows(
            GROUP_SCHEMA,
            &AttrPath::parse("members.value").unwrap()
        ));
    }
}
