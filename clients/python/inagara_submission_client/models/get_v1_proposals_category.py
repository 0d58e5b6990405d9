from enum import StrEnum


class GetV1ProposalsCategory(StrEnum):
    AGRICULTURE = "agriculture"
    ARCHIVES = "archives"
    COMMUNICATION_INFORMATICS = "communication_informatics"
    COOPERATIVES_SMES = "cooperatives_smes"
    CULTURE = "culture"
    EDUCATION = "education"
    ENVIRONMENT = "environment"
    FISHERIES = "fisheries"
    FOOD = "food"
    GOVERNANCE = "governance"
    HEALTH = "health"
    HOUSING = "housing"
    INDUSTRY = "industry"
    INVESTMENT = "investment"
    LAND = "land"
    LIBRARY = "library"
    MANPOWER = "manpower"
    OTHER = "other"
    POPULATION_CIVIL_REGISTRY = "population_civil_registry"
    PUBLIC_ORDER = "public_order"
    PUBLIC_WORKS = "public_works"
    SOCIAL = "social"
    TOURISM = "tourism"
    TRADE = "trade"
    TRANSPORTATION = "transportation"
    VILLAGE_COMMUNITY = "village_community"
    WATER = "water"
    WOMEN_CHILD = "women_child"
    YOUTH_SPORTS = "youth_sports"

    def __str__(self) -> str:
        return str(self.value)
