"""REST API under /api/v1: one module per domain, each a thin layer over the domain actions."""

from fastapi import APIRouter

from switchboard.web.api import accounts, attachments, customers, tickets, wfm

router = APIRouter(prefix="/api/v1")
router.include_router(tickets.router)
router.include_router(attachments.router)
router.include_router(customers.router)
router.include_router(accounts.router)
router.include_router(wfm.router)
