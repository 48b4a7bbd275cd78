from services.members.bootstrap import DEFINITION
from services.members.config import MembersSettings
from shared.service import main

main(DEFINITION, MembersSettings)
