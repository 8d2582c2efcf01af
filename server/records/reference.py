"""Value lists officers pick from.

Stop-search values are stored exactly as police.uk publishes them so the
open-data return needs no translation. Our own lists (safeguarding, arrests,
intelligence) use stable codes with labels for the app.
"""
from __future__ import annotations

from datetime import date, timedelta
from enum import StrEnum

# ---- Stop and search (data.police.uk) -------------------------------------------------
SEARCH_TYPES = ("Person search", "Vehicle search", "Person and Vehicle search")
GENDERS = ("Male", "Female", "Other")
AGE_RANGES = ("under 10", "10-17", "18-24", "25-34", "over 34")
OFFICER_DEFINED_ETHNICITIES = ("White", "Black", "Asian", "Mixed", "Other")
SELF_DEFINED_ETHNICITIES = (
    "Asian/Asian British - Bangladeshi",
    "Asian/Asian British - Chinese",
    "Asian/Asian British - Indian",
    "Asian/Asian British - Pakistani",
    "Asian/Asian British - Any other Asian background",
    "Black/African/Caribbean/Black British - African",
    "Black/African/Caribbean/Black British - Caribbean",
    "Black/African/Caribbean/Black British - Any other Black/African/Caribbean background",
    "Mixed/Multiple ethnic groups - White and Asian",
    "Mixed/Multiple ethnic groups - White and Black African",
    "Mixed/Multiple ethnic groups - White and Black Caribbean",
    "Mixed/Multiple ethnic groups - Any other Mixed/Multiple ethnic background",
    "White - English/Welsh/Scottish/Northern Irish/British",
    "White - Irish",
    "White - Any other White background",
    "White - Gypsy or Irish Traveller",
    "Other ethnic group - Arab",
    "Other ethnic group - Any other ethnic group",
    "Other ethnic group - Not stated",
)
LEGISLATION = (
    "Misuse of Drugs Act 1971 (section 23)",
    "Police and Criminal Evidence Act 1984 (section 1)",
    "Criminal Justice and Public Order Act 1994 (section 60)",
    "Firearms Act 1968 (section 47)",
    "Psychoactive Substances Act 2016 (s36(2))",
    "Terrorism Act 2000 (section 43)",
    "Terrorism Act 2000 (section 47A)",
    "Police and Criminal Evidence Act 1984 (section 6)",
    "Poaching Prevention Act 1862 (section 2)",
    "Wildlife and Countryside Act 1981 (section 19)",
    "Deer Act 1991 (section 12)",
    "Crossbows Act 1987 (section 4)",
    "Customs and Excise Management Act 1979 (section 163)",
    "Aviation Security Act 1982 (section 27(1))",
    "Sporting Events (Control of Alcohol etc.) Act 1985 (section 7)",
    "Criminal Justice Act 1988 (section 139B)",
)
OBJECTS_OF_SEARCH = (
    "Controlled drugs",
    "Offensive weapons",
    "Stolen goods",
    "Article for use in theft",
    "Articles for use in criminal damage",
    "Firearms",
    "Anything to threaten or harm anyone",
    "Evidence of offences under the Act",
    "Fireworks",
    "Psychoactive substances",
    "Crossbows",
    "Goods on which duty has not been paid etc.",
    "Game or poaching equipment",
    "Evidence of wildlife offences",
    "Detailed object of search unavailable",
)
OUTCOMES = (
    "A no further action disposal",
    "Arrest",
    "Community resolution",
    "Khat or Cannabis warning",
    "Penalty Notice for Disorder",
    "Summons / charged by post",
    "Caution (simple or conditional)",
)
# police.uk's archive CSV header, in order.
POLICE_UK_CSV_HEADER = (
    "Type", "Date", "Part of a policing operation", "Policing operation", "Latitude", "Longitude",
    "Gender", "Age range", "Self-defined ethnicity", "Officer-defined ethnicity", "Legislation",
    "Object of search", "Outcome", "Outcome linked to object of search",
    "Removal of more than just outer clothing",
)

# ---- Arrests (Home Office notifiable offence groups) ------------------------------------
OFFENCE_CATEGORIES = {
    "violence_against_the_person": "Violence against the person",
    "sexual_offences": "Sexual offences",
    "robbery": "Robbery",
    "theft_offences": "Theft offences",
    "criminal_damage_and_arson": "Criminal damage and arson",
    "drug_offences_possession": "Drug offences (possession)",
    "drug_offences_trafficking": "Drug offences (trafficking)",
    "possession_of_weapons": "Possession of weapons",
    "public_order_offences": "Public order offences",
    "miscellaneous_crimes_against_society": "Miscellaneous crimes against society",
    "other_non_notifiable": "Other (non-notifiable)",
}
POWERS_OF_ARREST = {
    "pace_s24": "Police and Criminal Evidence Act 1984 (section 24)",
    "pace_s24a": "Police and Criminal Evidence Act 1984 (section 24A)",
    "warrant": "Warrant",
    "breach_of_bail": "Breach of bail",
    "other": "Other",
}
ARREST_OUTCOMES = {
    "charged": "Charged",
    "released_under_investigation": "Released under investigation",
    "bail": "Bail",
    "no_further_action": "No further action",
}

# ---- Safeguarding referrals --------------------------------------------------------------
SAFEGUARDING_SUBJECTS = {"child": "Child (under 18)", "adult_at_risk": "Adult at risk"}
CONCERN_CATEGORIES = {
    "child_criminal_exploitation": "Child criminal exploitation (including county lines)",
    "child_sexual_exploitation": "Child sexual exploitation",
    "domestic_abuse": "Domestic abuse (DASH risk assessed)",
    "missing_person": "Missing person",
    "mental_health": "Mental health",
    "neglect": "Neglect",
    "cuckooing": "Cuckooing",
    "modern_slavery": "Modern slavery and human trafficking",
    "substance_misuse": "Substance misuse",
    "self_harm_or_suicide_risk": "Self-harm or suicide risk",
    "other": "Other",
}
AGENCIES = {
    "mash_childrens_social_care": "MASH or children's social care",
    "adult_social_care": "Adult social care",
    "early_help": "Early help",
    "youth_offending_diversion": "Youth offending or diversion service",
    "health": "Health",
    "housing": "Housing",
    "education": "Education",
    "voluntary_sector": "Voluntary sector",
    "other": "Other",
}
RISK_LEVELS = {"standard": "Standard", "medium": "Medium", "high": "High"}

# ---- Intelligence: the 3x5x2 (College of Policing APP) ------------------------------------
SOURCE_EVALUATIONS = {"1": "Reliable", "2": "Untested", "3": "Not reliable"}
INTELLIGENCE_ASSESSMENTS = {
    "A": "Known directly to the source",
    "B": "Known indirectly to the source but corroborated",
    "C": "Known indirectly to the source",
    "D": "Not known",
    "E": "Suspected to be false or malicious",
}
HANDLING_CODES = {"P": "Lawful sharing permitted", "C": "Lawful sharing permitted with conditions"}
# How the intelligence came in; never who gave it.
HOW_OBTAINED = {
    "anonymous_community_member": "Anonymous community member",
    "community_member": "Community member (identity not recorded here)",
    "crimestoppers": "Crimestoppers",
    "online_form": "Force online form",
    "officer_observation": "Officer observation",
    "partner_agency": "Partner agency",
    "other": "Other",
}
INTELLIGENCE_TOPICS = {
    "violence": "Violence",
    "weapons": "Weapons",
    "drugs_supply": "Drugs supply",
    "county_lines": "County lines",
    "gangs": "Gangs",
    "exploitation": "Exploitation",
    "vehicles": "Vehicles",
    "locations": "Locations of concern",
    "antisocial_behaviour": "Antisocial behaviour",
    "other": "Other",
}

# ---- Record kinds and statuses ---------------------------------------------------------------
# Record kinds, in the users' words, in the order the app offers them.
KINDS = {
    "stop_search": "Stop search",
    "arrest": "Arrest",
    "safeguarding_referral": "Safeguarding referral",
    "intelligence_log": "Intelligence log",
}
# The order a headline, a briefing and its chart list the kinds in.
KIND_ORDER = ("intelligence_log", "arrest", "safeguarding_referral", "stop_search")
# In a sentence: "1 arrest", "9 arrests".
KIND_SINGULAR = {
    "stop_search": "stop search",
    "arrest": "arrest",
    "safeguarding_referral": "safeguarding referral",
    "intelligence_log": "intelligence log",
}
KIND_PLURAL = {
    "stop_search": "stop searches",
    "arrest": "arrests",
    "safeguarding_referral": "safeguarding referrals",
    "intelligence_log": "intelligence logs",
}
# One colour per kind wherever kinds are charted.
KIND_COLOURS = {
    "stop_search": "#b45309",
    "arrest": "#b91c1c",
    "safeguarding_referral": "#047857",
    "intelligence_log": "#1d4ed8",
}


class Status(StrEnum):
    """A record's status, as stored (a StrEnum, so each member equals and is written as its value)."""

    SUBMITTED = "submitted"
    VERIFIED = "verified"
    RETURNED = "returned"
    VOIDED = "voided"


STATUSES = tuple(status.value for status in Status)


def week_start(day: date) -> date:
    """The Monday of the ISO week `day` is in: weeks run Monday to Sunday and are named by their Monday."""
    return day - timedelta(days=day.weekday())


def as_options(values) -> list[dict]:
    """[{"value", "label"}] for the app's pickers."""
    if isinstance(values, dict):
        return [{"value": k, "label": v} for k, v in values.items()]
    return [{"value": v, "label": v} for v in values]


def all_lists() -> dict[str, list[dict]]:
    return {
        "kinds": as_options(KINDS),
        "search_types": as_options(SEARCH_TYPES),
        "genders": as_options(GENDERS),
        "age_ranges": as_options(AGE_RANGES),
        "officer_defined_ethnicities": as_options(OFFICER_DEFINED_ETHNICITIES),
        "self_defined_ethnicities": as_options(SELF_DEFINED_ETHNICITIES),
        "legislation": as_options(LEGISLATION),
        "objects_of_search": as_options(OBJECTS_OF_SEARCH),
        "outcomes": as_options(OUTCOMES),
        "offence_categories": as_options(OFFENCE_CATEGORIES),
        "powers_of_arrest": as_options(POWERS_OF_ARREST),
        "arrest_outcomes": as_options(ARREST_OUTCOMES),
        "safeguarding_subjects": as_options(SAFEGUARDING_SUBJECTS),
        "concern_categories": as_options(CONCERN_CATEGORIES),
        "agencies": as_options(AGENCIES),
        "risk_levels": as_options(RISK_LEVELS),
        "source_evaluations": as_options(SOURCE_EVALUATIONS),
        "intelligence_assessments": as_options(INTELLIGENCE_ASSESSMENTS),
        "handling_codes": as_options(HANDLING_CODES),
        "how_obtained": as_options(HOW_OBTAINED),
        "intelligence_topics": as_options(INTELLIGENCE_TOPICS),
        "statuses": as_options(STATUSES),
    }
