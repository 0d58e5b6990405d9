from http import HTTPStatus
from typing import Any
from urllib.parse import quote

import httpx

from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.version import Version
from ...types import Response


def _get_kwargs(
    proposal_id: str,
    version: int,
) -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/v1/proposals/{proposal_id}/versions/{version}".format(
            proposal_id=quote(str(proposal_id), safe=""),
            version=quote(str(version), safe=""),
        ),
    }

    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | Version:
    if response.status_code == 200:
        response_200 = Version.from_dict(response.json())

        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    response_default = Problem.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | Version]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    proposal_id: str,
    version: int,
    *,
    client: AuthenticatedClient,
) -> Response[Problem | Version]:
    """One version as it was saved (and, if submitted, with its evidence files then).

    Args:
        proposal_id (str):
        version (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Version]
    """

    kwargs = _get_kwargs(
        proposal_id=proposal_id,
        version=version,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    proposal_id: str,
    version: int,
    *,
    client: AuthenticatedClient,
) -> Problem | Version | None:
    """One version as it was saved (and, if submitted, with its evidence files then).

    Args:
        proposal_id (str):
        version (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Version
    """

    return sync_detailed(
        proposal_id=proposal_id,
        version=version,
        client=client,
    ).parsed


async def asyncio_detailed(
    proposal_id: str,
    version: int,
    *,
    client: AuthenticatedClient,
) -> Response[Problem | Version]:
    """One version as it was saved (and, if submitted, with its evidence files then).

    Args:
        proposal_id (str):
        version (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | Version]
    """

    kwargs = _get_kwargs(
        proposal_id=proposal_id,
        version=version,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    proposal_id: str,
    version: int,
    *,
    client: AuthenticatedClient,
) -> Problem | Version | None:
    """One version as it was saved (and, if submitted, with its evidence files then).

    Args:
        proposal_id (str):
        version (int):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | Version
    """

    return (
        await asyncio_detailed(
            proposal_id=proposal_id,
            version=version,
            client=client,
        )
    ).parsed
