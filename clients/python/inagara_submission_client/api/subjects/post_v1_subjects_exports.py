from http import HTTPStatus
from typing import Any

import httpx

from ...client import AuthenticatedClient, Client
from ...models.erasure import Erasure
from ...models.problem import Problem
from ...types import Response


def _get_kwargs(
    *,
    body: Erasure,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/v1/subjects/exports",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Problem | str:
    if response.status_code == 200:
        response_200 = response.text
        return response_200

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

    response_default = Problem.from_dict(response.json())

    return response_default


def _build_response(
    *, client: AuthenticatedClient | Client, response: httpx.Response
) -> Response[Problem | str]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(client=client, response=response),
    )


def sync_detailed(
    *,
    client: AuthenticatedClient,
    body: Erasure,
) -> Response[Problem | str]:
    """Everything the submission service holds about a person, by email or phone (secretariat;
    an agency admin: its own innovators only).

     The body names the person, not the URL, so that no access log records who was asked for.
    The review and notification services answer with their parts through events: the whole
    export is at `GET /v1/subjects/exports/<export_id>` (the `export_id` answered here).

    Args:
        body (Erasure):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | str]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = client.get_httpx_client().request(
        **kwargs,
    )

    return _build_response(client=client, response=response)


def sync(
    *,
    client: AuthenticatedClient,
    body: Erasure,
) -> Problem | str | None:
    """Everything the submission service holds about a person, by email or phone (secretariat;
    an agency admin: its own innovators only).

     The body names the person, not the URL, so that no access log records who was asked for.
    The review and notification services answer with their parts through events: the whole
    export is at `GET /v1/subjects/exports/<export_id>` (the `export_id` answered here).

    Args:
        body (Erasure):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | str
    """

    return sync_detailed(
        client=client,
        body=body,
    ).parsed


async def asyncio_detailed(
    *,
    client: AuthenticatedClient,
    body: Erasure,
) -> Response[Problem | str]:
    """Everything the submission service holds about a person, by email or phone (secretariat;
    an agency admin: its own innovators only).

     The body names the person, not the URL, so that no access log records who was asked for.
    The review and notification services answer with their parts through events: the whole
    export is at `GET /v1/subjects/exports/<export_id>` (the `export_id` answered here).

    Args:
        body (Erasure):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Response[Problem | str]
    """

    kwargs = _get_kwargs(
        body=body,
    )

    response = await client.get_async_httpx_client().request(**kwargs)

    return _build_response(client=client, response=response)


async def asyncio(
    *,
    client: AuthenticatedClient,
    body: Erasure,
) -> Problem | str | None:
    """Everything the submission service holds about a person, by email or phone (secretariat;
    an agency admin: its own innovators only).

     The body names the person, not the URL, so that no access log records who was asked for.
    The review and notification services answer with their parts through events: the whole
    export is at `GET /v1/subjects/exports/<export_id>` (the `export_id` answered here).

    Args:
        body (Erasure):

    Raises:
        errors.UnexpectedStatus: If the server returns an undocumented status code and Client.raise_on_unexpected_status is True.
        httpx.TimeoutException: If the request takes longer than Client.timeout.

    Returns:
        Problem | str
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
        )
    ).parsed
