from services.billing.bootstrap import DEFINITION
from services.billing.config import BillingSettings
from shared.service import main

main(DEFINITION, BillingSettings)
