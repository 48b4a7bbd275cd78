from services.orders.bootstrap import DEFINITION
from services.orders.config import OrdersSettings
from shared.service import main

main(DEFINITION, OrdersSettings)
