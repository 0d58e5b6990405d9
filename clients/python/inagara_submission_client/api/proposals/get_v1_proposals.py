from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.get_v1_proposals_category import GetV1ProposalsCategory
from ...models.get_v1_proposals_maturity import GetV1ProposalsMaturity
from ...models.get_v1_proposals_status import GetV1ProposalsStatus
from ...models.problem import Problem
from ...models.proposal_page import ProposalPage
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    cycle_id: str | Unset = UNSET,
    status: GetV1ProposalsStatus | Unset = UNSET,
    category: GetV1ProposalsCategory | Unset = UNSET,
    maturity: GetV1ProposalsMaturity | Unset = UNSET,
    q: str | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = 20,
) -> dict[str, Any]:

    params: dict[str, Any] = {}

    params["cycle_id"] = cycle_id

    json_status: str | Unset = UNSET
    if not isinstance(status, Unset):
        json_status = status.value

    params["status"] = json_status

    json_category: str | Unset = UNSET
    if not isinstance(category, Unset):
        json_category = category.value

    params["category"] = json_category

    json_maturity: str | Unset = UNSET
    if not isinstance(maturity, Unset):
        json_maturity = maturity.value

    params["maturity"] = json_maturity

    params["q"] = q

    params["cursor"] = cursor

    params["limit"] = limit

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/proposals",
        "params": params,
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | ProposalPage:
    if response.status_code == 200:
        response_200 = ProposalPage.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    response_default = Problem.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | ProposalPage]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    cycle_id: str | Unset = UNSET,
    status: GetV1ProposalsStatus | Unset = UNSET,
    category: GetV1ProposalsCategory | Unset = UNSET,
    maturity: GetV1ProposalsMaturity | Unset = UNSET,
    q: str | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = 20,
) -> Response[Problem | ProposalPage]:
    """The agency's proposals, newest first, a page at a time (stable order: created_at, id).

    Args:
        cycle_id (str | Unset):
        status (GetV1ProposalsStatus | Unset):
        category (GetV1ProposalsCategory | Unset):
        maturity (GetV1ProposalsMaturity | Unset):
        q (str | Unset):
        cursor (str | Unset):
        limit (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ProposalPage]
    """

    kwargs = _get_kwargs(
        cycle_id=cycle_id,
        status=status,
        category=category,
        maturity=maturity,
        q=q,
        cursor=cursor,
        limit=limit,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    cycle_id: str | Unset = UNSET,
    status: GetV1ProposalsStatus | Unset = UNSET,
    category: GetV1ProposalsCategory | Unset = UNSET,
    maturity: GetV1ProposalsMaturity | Unset = UNSET,
    q: str | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = 20,
) -> Problem | ProposalPage | None:
    """The agency's proposals, newest first, a page at a time (stable order: created_at, id).

    Args:
        cycle_id (str | Unset):
        status (GetV1ProposalsStatus | Unset):
        category (GetV1ProposalsCategory | Unset):
        maturity (GetV1ProposalsMaturity | Unset):
        q (str | Unset):
        cursor (str | Unset):
        limit (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ProposalPage
    """

    return sync_detailed(
        client=client,
        cycle_id=cycle_id,
        status=status,
        category=category,
        maturity=maturity,
        q=q,
        cursor=cursor,
        limit=limit,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    cycle_id: str | Unset = UNSET,
    status: GetV1ProposalsStatus | Unset = UNSET,
    category: GetV1ProposalsCategory | Unset = UNSET,
    maturity: GetV1ProposalsMaturity | Unset = UNSET,
    q: str | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = 20,
) -> Response[Problem | ProposalPage]:
    """The agency's proposals, newest first, a page at a time (stable order: created_at, id).

    Args:
        cycle_id (str | Unset):
        status (GetV1ProposalsStatus | Unset):
        category (GetV1ProposalsCategory | Unset):
        maturity (GetV1ProposalsMaturity | Unset):
        q (str | Unset):
        cursor (str | Unset):
        limit (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | ProposalPage]
    """

    kwargs = _get_kwargs(
        cycle_id=cycle_id,
        status=status,
        category=category,
        maturity=maturity,
        q=q,
        cursor=cursor,
        limit=limit,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    cycle_id: str | Unset = UNSET,
    status: GetV1ProposalsStatus | Unset = UNSET,
    category: GetV1ProposalsCategory | Unset = UNSET,
    maturity: GetV1ProposalsMaturity | Unset = UNSET,
    q: str | Unset = UNSET,
    cursor: str | Unset = UNSET,
    limit: int | Unset = 20,
) -> Problem | ProposalPage | None:
    """The agency's proposals, newest first, a page at a time (stable order: created_at, id).

    Args:
        cycle_id (str | Unset):
        status (GetV1ProposalsStatus | Unset):
        category (GetV1ProposalsCategory | Unset):
        maturity (GetV1ProposalsMaturity | Unset):
        q (str | Unset):
        cursor (str | Unset):
        limit (int | Unset):  Default: 20.

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | ProposalPage
    """

    return (
        await asyncio_detailed(
            client=client,
            cycle_id=cycle_id,
            status=status,
            category=category,
            maturity=maturity,
            q=q,
            cursor=cursor,
            limit=limit,
        )
    ).parsed
