//! Demo data: a realistic organization a newcomer can click through, and a credentials file
//! so a script can drive the API at once.

use corral_domain::Email;
use corral_domain::ids::Kind;
use corral_domain::roles::BuiltinRole;
use corral_store::model::{GroupRow, UserRow};
use corral_store::now;
use corral_store::queries::{groups, memberships, orgs, users};
use serde::Serialize;

use crate::secrets::hash_password;
use crate::setup::{create_org_with_owner, new_membership};
use crate::{Result, ServiceError, Services};

/// One demo member's way in.
#[derive(Debug, Clone, Serialize)]
pub struct DemoMember {
    pub email: String,
    pub password: String,
    pub role_id: String,
    pub membership_id: String,
    pub user_id: String,
    pub api_key: String,
    pub status: String,
}

/// Written to `demo-credentials.json` (the `url` is filled in by the server).
#[derive(Debug, Clone, Serialize)]
pub struct DemoCredentials {
    pub url: String,
    pub organization_id: String,
    pub workspace_id: String,
    pub members: Vec<DemoMember>,
    /// A SCIM bearer token for the organization, and the SCIM base URL.
    pub scim_token: String,
    pub scim_url: String,
}

/// The password every demo member shares, so a newcomer can sign in as anyone.
pub const DEMO_PASSWORD: &str = "corral-demo";

const FIRST: [&str; 26] = [
    "Avery", "Blake", "Carmen", "Dmitri", "Elena", "Farah", "Gabriel", "Hana", "Ismael", "Jun",
    "Keira", "Luca", "Maya", "Nikhil", "Olga", "Pedro", "Quinn", "Rosa", "Samir", "Tamsin", "Uma",
    "Victor", "Wen", "Ximena", "Yusuf", "Zoe",
];
const LAST: [&str; 26] = [
    "Adams",
    "Bauer",
    "Castillo",
    "Dubois",
    "Eriksen",
    "Fischer",
    "Garcia",
    "Haddad",
    "Ito",
    "Jansen",
    "Kowalski",
    "Lindqvist",
    "Moreau",
    "Nakamura",
    "Okafor",
    "Petrov",
    "Quintero",
    "Rossi",
    "Silva",
    "Tanaka",
    "Umarov",
    "Varga",
    "Weber",
    "Xu",
    "Yilmaz",
    "Zhang",
];

/// The roles of demo members 1..=24 (member 0 is the owner, an admin).
fn demo_role(i: usize) -> BuiltinRole {
    match i {
        1 => BuiltinRole::Admin,
        2..=3 => BuiltinRole::Manager,
        4..=6 => BuiltinRole::Superuser,
        7..=19 => BuiltinRole::User,
        _ => BuiltinRole::RestrictedUser,
    }
}

impl Services {
    /// Seeds the demo organization into an empty database. Returns None when the database
    /// already holds an organization (the demo is seeded once).
    pub async fn seed_demo(
        &self,
        lead_count: usize,
        progress: &(dyn Fn(&str) + Sync),
    ) -> Result<Option<DemoCredentials>> {
        if !self.needs_setup().await? {
            return Ok(None);
        }
        progress("hashing demo passwords");
        let mut hashes = Vec::with_capacity(FIRST.len());
        for _ in 0..FIRST.len() {
            hashes.push(hash_password(DEMO_PASSWORD.to_string()).await?);
        }
        let email_of = |i: usize| {
            format!(
                "{}.{}@acme-demo.test",
                FIRST[i].to_lowercase(),
                LAST[i].to_lowercase()
            )
        };
        let mut tx = self.db().write().await?;
        if orgs::count(&mut tx).await? > 0 {
            return Ok(None);
        }
        progress("creating the organization");
        let owner_email = Email::parse(&email_of(0))?;
        let (org, created) = create_org_with_owner(
            &mut tx,
            "Acme Realty Group",
            "Acme Sales",
            FIRST[0],
            LAST[0],
            &owner_email,
            Some(hashes[0].clone()),
        )
        .await?;
        let owner_key = self
            .insert_api_key(&mut tx, &created.owner_membership_id, "Demo key")
            .await?;
        let mut members = vec![DemoMember {
            email: owner_email.to_string(),
            password: DEMO_PASSWORD.into(),
            role_id: BuiltinRole::Admin.id().into(),
            membership_id: created.owner_membership_id.clone(),
            user_id: created.owner_user_id.clone(),
            api_key: owner_key.secret,
            status: "active".into(),
        }];

        progress("adding members");
        let t = now();
        let mut user_ids = vec![created.owner_user_id.clone()];
        for i in 1..FIRST.len() {
            let email = Email::parse(&email_of(i))?;
            let user = UserRow {
                id: Kind::User.new_id(),
                email: email.to_string(),
                email_lower: email.normalized(),
                first_name: FIRST[i].into(),
                last_name: LAST[i].into(),
                phone: Some(format!("+1415555{:04}", 100 + i)),
                image: None,
                timezone: "America/Los_Angeles".into(),
                password_hash: Some(hashes[i].clone()),
                date_created: t,
                date_updated: t,
            };
            users::insert(&mut tx, &user).await?;
            orgs::add_member(&mut tx, &org.id, &user.id, "member", t).await?;
            // The last member is still pending; two more show the other states.
            let status = match i {
                25 => "invited",
                23 => "deactivated",
                24 => "removed",
                _ => "active",
            };
            let role = demo_role(i);
            let mut m = new_membership(
                &created.workspace_id,
                &user.id,
                role.id(),
                status,
                Some(&created.owner_user_id),
            );
            m.round_robin = matches!(role, BuiltinRole::User);
            m.manager_id = match role {
                BuiltinRole::User | BuiltinRole::RestrictedUser => Some(if i % 2 == 0 {
                    user_ids[2].clone()
                } else {
                    user_ids[3].clone()
                }),
                _ => None,
            };
            if status != "invited" {
                m.date_activated = Some(t);
                // Spread recent activity so the Users page shows realistic "last active" times.
                m.last_active_at = Some(t - chrono::Duration::minutes((i * i * 7) as i64));
            }
            if status == "deactivated" {
                m.date_deactivated = Some(t);
            }
            if status == "removed" {
                m.date_removed = Some(t);
            }
            memberships::insert(&mut tx, &m).await?;
            let api_key = if status == "active" {
                self.insert_api_key(&mut tx, &m.id, "Demo key")
                    .await?
                    .secret
            } else {
                String::new()
            };
            user_ids.push(user.id.clone());
            members.push(DemoMember {
                email: email.to_string(),
                password: DEMO_PASSWORD.into(),
                role_id: role.id().into(),
                membership_id: m.id,
                user_id: user.id,
                api_key,
                status: status.into(),
            });
        }

        progress("creating groups");
        for (name, range) in [
            ("Closers", 7..13),
            ("Prospecting", 13..20),
            ("Team Leads", 1..7),
        ] {
            let g = GroupRow {
                id: Kind::Group.new_id(),
                workspace_id: created.workspace_id.clone(),
                name: name.into(),
                date_created: t,
                date_updated: t,
            };
            groups::insert(&mut tx, &g).await?;
            for uid in &user_ids[range] {
                groups::add_member(&mut tx, &g.id, uid, t).await?;
            }
        }
        progress("creating leads");
        seed_leads(
            &mut tx,
            &created.workspace_id,
            &user_ids,
            &members,
            lead_count,
        )
        .await?;
        let (token_row, scim_token) = crate::scim::new_token_row(
            &org.id,
            "Demo identity provider".into(),
            &created.owner_user_id,
        );
        corral_store::queries::scim::insert_token(&mut tx, &token_row).await?;
        tx.commit().await.map_err(ServiceError::from)?;
        progress("sharing contacts");
        self.seed_demo_sharing(&members).await?;
        Ok(Some(DemoCredentials {
            url: String::new(),
            organization_id: org.id,
            workspace_id: created.workspace_id,
            members,
            scim_token,
            scim_url: format!("{}/scim/v2", self.config().public_url),
        }))
    }

    /// Personal and team contacts: live copies (auto-shared and assigned), snapshots, a
    /// personal-segment contact that stays private, and one live copy out of sync.
    async fn seed_demo_sharing(&self, members: &[DemoMember]) -> Result<()> {
        use crate::sharing::{BulkShare, ContactInput, Entry};
        let active = |role: &str, nth: usize| {
            members
                .iter()
                .filter(|m| m.role_id == role && m.status == "active")
                .nth(nth)
                .cloned()
        };
        let (Some(alice), Some(bob), Some(manager)) =
            (active("user", 0), active("user", 1), active("manager", 0))
        else {
            return Ok(());
        };
        let actor = |m: &DemoMember| {
            let key = m.api_key.clone();
            async move { self.authenticate_api_key(&key).await }
        };
        let (a, b, m) = (
            actor(&alice).await?,
            actor(&bob).await?,
            actor(&manager).await?,
        );
        let contact =
            |name: &str, company: &str, title: &str, segment: &str, email: &str| ContactInput {
                name: Some(name.into()),
                company: Some(company.into()),
                title: Some(title.into()),
                segment: Some(segment.into()),
                emails: Some(vec![Entry {
                    value: email.into(),
                    label: "work".into(),
                    personal: false,
                }]),
                ..Default::default()
            };
        // Business contacts are shared automatically (the standard template), kept live.
        let dana = self
            .create_personal_contact(
                &a,
                contact(
                    "Dana Whitfield",
                    "Harbor Title Co.",
                    "Escrow officer",
                    "partner",
                    "dana@harbortitle.test",
                ),
            )
            .await?;
        self.create_personal_contact(
            &a,
            contact(
                "Rafael Ortiz",
                "Ortiz Builders",
                "Owner",
                "customer",
                "rafael@ortizbuilders.test",
            ),
        )
        .await?;
        // A personal contact, with a personal phone: never shared.
        let mut mum = contact("Margaret Adams", "", "", "family", "margaret@family.test");
        mum.phones = Some(vec![Entry {
            value: "+1 415 555 0142".into(),
            label: "mobile".into(),
            personal: true,
        }]);
        self.create_personal_contact(&a, mum).await?;
        // Sent to the team as a one-time snapshot.
        let lee = self
            .create_personal_contact(
                &b,
                contact(
                    "Lee Park",
                    "Park & Sons Inspections",
                    "Inspector",
                    "",
                    "lee@parkinspections.test",
                ),
            )
            .await?;
        self.share_personal_contacts(&b, std::slice::from_ref(&lee.id), BulkShare::Send)
            .await?;
        // Assigned by a manager: a live copy with a responsible member.
        let sam = self
            .create_personal_contact(
                &m,
                contact(
                    "Sam Greer",
                    "Greer Capital",
                    "Investor",
                    "",
                    "sam@greercapital.test",
                ),
            )
            .await?;
        self.share_personal_contacts(
            &m,
            std::slice::from_ref(&sam.id),
            BulkShare::Assign(alice.user_id.clone()),
        )
        .await?;
        // Out of sync: the team and the owner both changed Dana's title.
        if let Some(copy) = self.copies_of_personal_contact(&a, &dana.id).await?.first() {
            self.update_team_contact(
                &b,
                &copy.id,
                ContactInput {
                    title: Some("Senior escrow officer".into()),
                    ..Default::default()
                },
            )
            .await?;
            self.update_personal_contact(
                &a,
                &dana.id,
                ContactInput {
                    title: Some("Escrow manager".into()),
                    ..Default::default()
                },
            )
            .await?;
        }
        Ok(())
    }
}

const COMPANY_A: [&str; 16] = [
    "Blue",
    "North",
    "Silver",
    "Granite",
    "Harbor",
    "Summit",
    "Prairie",
    "Cedar",
    "Copper",
    "Lakeside",
    "Evergreen",
    "Redwood",
    "Golden",
    "Maple",
    "Ironwood",
    "Coastal",
];
const COMPANY_B: [&str; 16] = [
    "Realty",
    "Homes",
    "Properties",
    "Estates",
    "Builders",
    "Lofts",
    "Housing",
    "Land Co",
    "Partners",
    "Developments",
    "Rentals",
    "Living",
    "Residences",
    "Ventures",
    "Holdings",
    "Group",
];

/// Demo leads (`count`, two thousand by default), each with a contact, most assigned (Lead Owner) to an active
/// member, spread over the statuses.
async fn seed_leads(
    tx: &mut corral_store::Tx,
    workspace_id: &str,
    user_ids: &[String],
    members: &[DemoMember],
    count: usize,
) -> Result<()> {
    use corral_store::model::{ContactRow, LeadRow};
    use corral_store::queries::{custom_fields, leads};
    let statuses = leads::statuses(tx, workspace_id).await?;
    let owner_field = custom_fields::list(tx, workspace_id, "lead")
        .await?
        .into_iter()
        .find(|f| f.name == crate::access::LEAD_OWNER)
        .ok_or_else(|| ServiceError::Internal("no Lead Owner field".into()))?;
    let assignable: Vec<&String> = user_ids
        .iter()
        .zip(members)
        .filter(|(_, m)| m.status == "active")
        .map(|(u, _)| u)
        .collect();
    let t0 = now();
    for i in 0..count {
        let t = t0 - chrono::Duration::minutes((i * 37 % 129_600) as i64);
        let name = format!(
            "{} {} {}",
            COMPANY_A[i % 16],
            COMPANY_B[(i / 16) % 16],
            i / 256 + 1
        );
        let lead = LeadRow {
            id: format!("lead_{}", corral_domain::ids::random_base62(43)),
            workspace_id: workspace_id.to_string(),
            name: name.clone(),
            description: String::new(),
            url: None,
            status_id: statuses[i % statuses.len()].id.clone(),
            addresses: "[]".into(),
            created_by: Some(user_ids[0].clone()),
            updated_by: Some(user_ids[0].clone()),
            created_by_name: format!("{} {}", FIRST[0], LAST[0]),
            updated_by_name: format!("{} {}", FIRST[0], LAST[0]),
            date_created: t,
            date_updated: t,
        };
        leads::insert(tx, &lead).await?;
        // One lead in eight is unassigned, so "unassigned" views have something to show.
        if i % 8 != 0 {
            let owner = assignable[i % assignable.len()];
            leads::set_field_values(tx, &lead.id, &owner_field.id, std::slice::from_ref(owner))
                .await?;
        }
        let (first, last) = (FIRST[(i * 7) % 26], LAST[(i * 11) % 26]);
        let email = format!(
            "{}.{}{}@{}.example",
            first.to_lowercase(),
            last.to_lowercase(),
            i,
            COMPANY_A[i % 16].to_lowercase()
        );
        let contact_id = format!("cont_{}", corral_domain::ids::random_base62(43));
        leads::insert_contact(
            tx,
            &ContactRow {
                id: contact_id.clone(),
                workspace_id: workspace_id.to_string(),
                lead_id: lead.id.clone(),
                name: format!("{first} {last}"),
                title: ["Owner", "Broker", "Buyer", "Investor"][i % 4].into(),
                emails: serde_json::json!([{"email": email, "type": "office"}]).to_string(),
                phones: "[]".into(),
                urls: "[]".into(),
                created_by: lead.created_by.clone(),
                updated_by: lead.created_by.clone(),
                created_by_name: lead.created_by_name.clone(),
                updated_by_name: lead.created_by_name.clone(),
                date_created: t,
                date_updated: t,
                custom: "{}".into(),
            },
        )
        .await?;
        leads::add_channel(tx, &contact_id, workspace_id, "email", &email).await?;
        seed_work(
            tx,
            workspace_id,
            &lead.id,
            &contact_id,
            i,
            t,
            user_ids,
            &assignable,
        )
        .await?;
    }
    Ok(())
}

/// A lead's work for the demo: every fifth lead an opportunity, every other an open task, and
/// two activities by whoever owns it (or the owner of the organization).
#[allow(clippy::too_many_arguments)]
async fn seed_work(
    tx: &mut corral_store::Tx,
    workspace_id: &str,
    lead_id: &str,
    contact_id: &str,
    i: usize,
    t: chrono::DateTime<chrono::Utc>,
    user_ids: &[String],
    assignable: &[&String],
) -> Result<()> {
    use corral_store::model::{ActivityRow, OpportunityRow, TaskRow};
    use corral_store::queries::work;
    let owner = if i.is_multiple_of(8) {
        &user_ids[0]
    } else {
        assignable[i % assignable.len()]
    };
    let idx = user_ids.iter().position(|u| u == owner).unwrap_or(0);
    let name = format!("{} {}", FIRST[idx], LAST[idx]);
    let creator = format!("{} {}", FIRST[0], LAST[0]);
    let id = |p: &str| format!("{p}_{}", corral_domain::ids::random_base62(43));
    if i.is_multiple_of(5) {
        let statuses = work::opp_statuses(tx, workspace_id).await?;
        let st = &statuses[(i / 5) % statuses.len()];
        work::insert_opportunity(
            tx,
            &OpportunityRow {
                id: id("oppo"),
                workspace_id: workspace_id.into(),
                lead_id: lead_id.into(),
                contact_id: Some(contact_id.into()),
                user_id: Some(owner.clone()),
                user_name: name.clone(),
                status_id: st.id.clone(),
                value: ((i % 17) as i64 + 3) * 250_000,
                value_period: if i.is_multiple_of(3) {
                    "monthly".into()
                } else {
                    "one_time".into()
                },
                value_currency: "USD".into(),
                confidence: ((i % 9) as i64 + 1) * 10,
                note: "Listing agreement".into(),
                date_won: (st.status_type == "won").then(|| t.format("%Y-%m-%d").to_string()),
                created_by: Some(user_ids[0].clone()),
                updated_by: Some(user_ids[0].clone()),
                created_by_name: creator.clone(),
                updated_by_name: creator.clone(),
                date_created: t,
                date_updated: t,
                custom: "{}".into(),
            },
        )
        .await?;
    }
    if i.is_multiple_of(2) {
        work::insert_task(
            tx,
            &TaskRow {
                id: id("task"),
                workspace_id: workspace_id.into(),
                lead_id: lead_id.into(),
                contact_id: Some(contact_id.into()),
                assigned_to: Some(owner.clone()),
                assigned_to_name: name.clone(),
                text: [
                    "Call back about the viewing",
                    "Send the comparables",
                    "Follow up on the offer",
                ][i % 3]
                    .into(),
                due_date: Some(
                    (t + chrono::Duration::days((i % 20) as i64))
                        .format("%Y-%m-%d")
                        .to_string(),
                ),
                is_complete: false,
                created_by: Some(user_ids[0].clone()),
                updated_by: Some(user_ids[0].clone()),
                created_by_name: creator.clone(),
                updated_by_name: creator.clone(),
                date_created: t,
                date_updated: t,
            },
        )
        .await?;
    }
    for (k, kind) in ["Note", "Call"].iter().enumerate() {
        let at = t + chrono::Duration::minutes(k as i64 * 30);
        work::insert_activity(
            tx,
            &ActivityRow {
                id: id("acti"),
                workspace_id: workspace_id.into(),
                lead_id: lead_id.into(),
                contact_id: Some(contact_id.into()),
                activity_type: (*kind).into(),
                user_id: Some(owner.clone()),
                user_name: name.clone(),
                body: if k == 0 {
                    "Interested in three-bedroom listings.".into()
                } else {
                    "Left a voicemail.".into()
                },
                subject: String::new(),
                direction: (k == 1).then(|| "outbound".to_string()),
                duration: if k == 1 { 45 } else { 0 },
                activity_at: at,
                created_by: Some(owner.clone()),
                updated_by: Some(owner.clone()),
                created_by_name: name.clone(),
                updated_by_name: name.clone(),
                date_created: at,
                date_updated: at,
            },
        )
        .await?;
    }
    Ok(())
}
