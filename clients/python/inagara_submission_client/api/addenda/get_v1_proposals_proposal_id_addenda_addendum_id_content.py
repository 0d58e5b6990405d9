from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    proposal_id: str,
    addendum_id: str,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/proposals/{proposal_id}/addenda/{addendum_id}/content".format(
            proposal_id=quote(str(proposal_id), safe=""),
            addendum_id=quote(str(addendum_id), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem:
    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    response_default = Problem.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    proposal_id: str,
    addendum_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[Problem]:
    """Download the addendum's file (an attachment; the ETag is its SHA-256).

    Args:
        proposal_id (str):
        addendum_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem]
    """

    kwargs = _get_kwargs(
        proposal_id=proposal_id,
        addendum_id=addendum_id,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    proposal_id: str,
    addendum_id: str,
    *,
    client: AuthenticatedClient,
) -> Problem | None:
    """Download the addendum's file (an attachment; the ETag is its SHA-256).

    Args:
        proposal_id (str):
        addendum_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem
    """

    return sync_detailed(
        proposal_id=proposal_id,
        addendum_id=addendum_id,
        client=client,
    ).parsed


async def asyncio_detailed(
    proposal_id: str,
    addendum_id: str,
    *,
    client: AuthenticatedClient,
) -> Response[Problem]:
    """Download the addendum's file (an attachment; the ETag is its SHA-256).

    Args:
        proposal_id (str):
        addendum_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem]
    """

    kwargs = _get_kwargs(
        proposal_id=proposal_id,
        addendum_id=addendum_id,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    proposal_id: str,
    addendum_id: str,
    *,
    client: AuthenticatedClient,
) -> Problem | None:
    """Download the addendum's file (an attachment; the ETag is its SHA-256).

    Args:
        proposal_id (str):
        addendum_id (str):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem
    """

    return (
        await asyncio_detailed(
            proposal_id=proposal_id,
            addendum_id=addendum_id,
            client=client,
        )
    ).parsed
